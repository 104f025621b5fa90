"""Seeds and takes in a grid: which models a seed means something to, and ``samples=n``.

A seed axis (``seeds=[1, 2, 3]``) promises that each column is a reproducible variant; on a model
that ignores seeds (Kling, Hailuo, Sora) it would be three unrelated videos captioned as if
they were not, so it is refused before anything is sent. One grid-wide seed over a mix of
models goes to the models that honour it and is not sent to the others. Independent takes of
one request are ``samples=n``: n cells, n paid creates, captioned ``take 1`` … ``take n``.

    >>> seed_for("kling-v1", 7), seed_for("viduq1", 7)
    (None, 7)
    >>> check_seed_axis(["kling-v1"], [1, 2])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    vidwidgets.ValidationError: [invalid_field] seeds=[1, 2] is not allowed ...
"""

from __future__ import annotations

from collections.abc import Sequence

from vidwidgets.client import SAMPLES_HINT, ValidationError, get_model_spec

__all__ = ["check_samples", "check_seed_axis", "seed_for", "take_numbers"]


def seed_for(model: str, seed: int | None) -> int | None:
    """The seed to send to ``model``: ``seed`` when the model honours seeds, else None.

    Args:
        model: the model's name.
        seed: the seed the grid was given (None for none).

    Returns:
        ``seed``, or None for a model that ignores seeds.
    """
    return seed if get_model_spec(model).uses_seed else None


def check_seed_axis(models: Sequence[str], seeds: Sequence[int | None]) -> None:
    """Refuse seeds that some of ``models`` would silently ignore.

    A seed axis (more than one seed) is refused when any model ignores seeds; a single seed is
    refused only when every model ignores it (with a mix, it goes to those that honour it).

    Args:
        models: the grid's models.
        seeds: the grid's seeds (``[None]`` for none).

    Raises:
        ValidationError: naming the seedless model(s) and suggesting ``samples=n``.
    """
    given = [s for s in seeds if s is not None]
    seedless = [m for m in dict.fromkeys(models) if not get_model_spec(m).uses_seed]
    if not given or not seedless:
        return
    names = ", ".join(seedless)
    if len(seeds) > 1:
        raise ValidationError(
            "seeds",
            list(seeds),
            f"a seed axis only on models that honour seeds ({names} "
            f"{'ignores' if len(seedless) == 1 else 'ignore'} them: each column would be an "
            "unrelated take captioned as a reproducible seed)",
            model=names,
            hint=SAMPLES_HINT,
        )
    if len(seedless) == len(set(models)):
        raise ValidationError(
            "seed",
            given[0],
            f"nothing: {names} {'ignores' if len(seedless) == 1 else 'ignore'} seeds "
            "(the same seed would not give the same video)",
            model=names,
            hint=SAMPLES_HINT,
        )


def check_samples(samples: int) -> None:
    """Refuse a ``samples`` that is not a whole number >= 1.

    Raises:
        ValueError: naming the value.
    """
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise ValueError(f"samples={samples!r} is not allowed: a whole number >= 1")


def take_numbers(samples: int) -> list[int | None]:
    """The takes of ``samples=n``: ``[1, …, n]``, or ``[None]`` (no take axis) for one sample.

    >>> take_numbers(3), take_numbers(1)
    ([1, 2, 3], [None])
    """
    check_samples(samples)
    return list(range(1, samples + 1)) if samples > 1 else [None]
