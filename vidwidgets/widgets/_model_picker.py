"""The form's model picker: a vendor, then one of its models.

The models offered are the catalog's (``vidwidgets.client.MODELS``) until the form is told which
ones the key can use (``GET /v1/models``, see ``ParameterForm.load_models``); then exactly
those, grouped by vendor in the catalog's vendor order. A listed model the catalog does not know
joins the vendor its gateway names (``owned_by``), or a group of that name, and gets the generic
form. *Other (type a name)* stays last for any model name typed by hand.

    >>> groups = group_models([AvailableModel("sora-2", "openai"), AvailableModel("x-1", "acme")])
    >>> [(g.key, g.names) for g in groups]
    [('sora', ('sora-2',)), ('vendor:acme', ('x-1',))]
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as w

from vidwidgets.client import (
    FAMILY_LABELS,
    MODELS,
    AvailableModel,
    VideoAPIError,
    get_model_spec,
    running_on,
    submit_on,
)
from vidwidgets.widgets._form_fields import Styles, hide, tagged

__all__ = [
    "GENERIC",
    "LOADING_NOTE",
    "ModelGroup",
    "ModelPicker",
    "catalog_groups",
    "group_models",
    "read_models",
]

GENERIC = "generic"  # the group whose model is typed by hand
LOADING_NOTE = "Reading the models this key can use…"
_TYPE_A_NAME = ("Other (type a name)", GENERIC)


@dataclass(frozen=True)
class ModelGroup:
    """One vendor's entry in the picker: its key, its label and its models, in order."""

    key: str
    label: str
    names: tuple[str, ...]

    def options(self, extra: str | None = None, note: str = "") -> list[tuple[str, str]]:
        """The model dropdown's options.

        ``extra`` is a model kept although it is not listed (its label ends with ``note``).
        """
        options = [(_model_label(n), n) for n in self.names]
        if extra is not None and extra not in self.names:
            options.append((_model_label(extra) + note, extra))
        return options


def _model_label(name: str) -> str:
    spec = get_model_spec(name)
    if not spec.known:
        return f"{name} (not in the catalog: generic fields)"
    return f"{spec.label} — {name}" if spec.label != name else name


def catalog_groups() -> list[ModelGroup]:
    """Every catalog model, by vendor."""
    return group_models([AvailableModel(name) for name in MODELS])


def _vendor_of(model: AvailableModel) -> str:
    """The catalog family a listed model belongs to, or ``vendor:<owned_by>`` when none."""
    spec = get_model_spec(model.id)
    if spec.known:
        return spec.family
    owner = model.owned_by.strip().lower()
    for family, label in FAMILY_LABELS.items():
        if family != GENERIC and owner in (family, label.lower()):
            return family
    return f"vendor:{owner}" if owner else "vendor:"


def group_models(models: Sequence[AvailableModel]) -> list[ModelGroup]:
    """``models`` by vendor.

    The catalog's vendors come first (in its order), then the others by name; the models keep
    the order they came in, duplicates dropped.
    """
    names: dict[str, list[str]] = {}
    labels: dict[str, str] = {f: label for f, label in FAMILY_LABELS.items() if f != GENERIC}
    for model in models:
        key = _vendor_of(model)
        labels.setdefault(key, model.owned_by.strip() or "Other listed models")
        group = names.setdefault(key, [])
        if model.id not in group:
            group.append(model.id)
    order = [f for f in FAMILY_LABELS if f in names]
    order += sorted(k for k in names if k not in FAMILY_LABELS)
    return [ModelGroup(key, labels[key], tuple(names[key])) for key in order]


class ModelPicker:
    """Vendor and model dropdowns, the typed-name box, and a note on where the list came from.

    It only offers and reports; the form decides what a choice means (``ParameterForm``).
    """

    def __init__(self, styles: Styles) -> None:
        dstyle, tstyle = styles.dropdown, styles.text
        self.family = tagged(
            w.Dropdown(description="Vendor", style=dstyle, layout=styles.plain), "vw-family"
        )
        self.model = tagged(w.Dropdown(description="Model", style=dstyle), "vw-model")
        self.custom_model = tagged(
            w.Text(
                description="Model name",
                placeholder="any model the gateway knows, e.g. my-model-v1",
                style=tstyle,
                continuous_update=False,
            ),
            "vw-model-custom",
        )
        # its own Layout: it is hidden while there is nothing to say
        self.note = tagged(
            w.Label(layout=w.Layout(display="none"), style=styles.label_style), "vw-model-note"
        )
        self.groups: list[ModelGroup] = []
        #: the names the key can use (None: the catalog is shown)
        self.available: tuple[str, ...] | None = None
        self.use_catalog("")

    def widgets(self) -> list[w.Widget]:
        return [self.family, self.model, self.custom_model, self.note]

    def set_note(self, text: str) -> None:
        self.note.value = text
        hide(self.note, not text)

    def use_catalog(self, note: str) -> None:
        """Offer every catalog model (the key's list is unknown)."""
        self.available = None
        self._set_groups(catalog_groups())
        self.set_note(note)

    def use_available(self, models: Sequence[AvailableModel], note: str) -> None:
        """Offer exactly ``models``, by vendor."""
        self.available = tuple(dict.fromkeys(m.id for m in models))
        self._set_groups(group_models(models))
        self.set_note(note)

    def _set_groups(self, groups: list[ModelGroup]) -> None:
        self.groups = groups
        self.family.options = [(g.label, g.key) for g in groups] + [_TYPE_A_NAME]

    def group(self, key: str) -> ModelGroup | None:
        return next((g for g in self.groups if g.key == key), None)

    def group_of(self, name: str) -> str:
        """The group to show ``name`` in.

        Where it is listed, else its catalog family, else the typed-name group.
        """
        for group in self.groups:
            if name in group.names:
                return group.key
        spec = get_model_spec(name)
        return spec.family if spec.known else GENERIC

    def first(self, key: str) -> str | None:
        """The first model of vendor ``key``.

        The first listed one, else (a vendor offered only for an unlisted model) the catalog's
        first; None for the typed-name group.
        """
        for group in (self.group(key), *(g for g in catalog_groups() if g.key == key)):
            if group is not None and group.names:
                return group.names[0]
        return None

    def replacement(self, current: str) -> str:
        """``current`` when the key lists it, else another listed model, saying so in the note.

        The other is the first listed model of its vendor, or the first listed at all.
        """
        listed = self.available or ()
        if current in listed or not listed:
            return current
        chosen = self.first(self.group_of(current)) or listed[0]
        if current:
            self.set_note(
                f"{current} is not among this key's {len(listed)} models; showing {chosen}."
            )
        return chosen

    def show_group(self, key: str, keep: str | None = None) -> None:
        """Select vendor ``key`` and offer its models (plus ``keep``, when not listed)."""
        if self.family.value != key:
            if key not in {v for _, v in self.family.options}:
                # a catalog model the key does not list: its vendor is offered for it alone
                label = FAMILY_LABELS.get(key, key)
                self.family.options = [*self.family.options[:-1], (label, key), _TYPE_A_NAME]
            self.family.value = key
        group = self.group(key) or ModelGroup(key, key, ())
        unlisted = " (not listed for this key)" if self.available is not None else ""
        self.model.options = group.options(extra=keep, note=unlisted)
        hide(self.model, key == GENERIC)
        hide(self.custom_model, key != GENERIC)


def _catalog_note(code: str) -> str:
    if code == "not_supported":
        return "This gateway does not list the key's models: showing the catalog."
    return f"Could not read the key's models ({code}): showing the catalog."


def read_models(
    client: Any,
    loop: asyncio.AbstractEventLoop | None,
    offer: Callable[[list[AvailableModel]], None],
    fall_back: Callable[[str], None],
) -> asyncio.Future[None] | concurrent.futures.Future[None]:
    """Ask ``client.models()`` on ``loop`` in the background.

    Args:
        client: A ``VideoClient``; anything without ``models()`` falls back at once.
        loop: The loop ``client`` works on (None: the running loop, else vidwidgets'
            background loop).
        offer: Called with the answer.
        fall_back: Called with a note when the gateway has no list or the read fails.

    Returns:
        The task (a ``concurrent.futures.Future`` when called from another thread).
    """
    if loop is None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            from vidwidgets._runtime import background_loop

            loop = background_loop()

    async def read() -> None:
        if not callable(getattr(client, "models", None)):
            fall_back("")  # not a VideoClient: nothing to ask
            return
        try:
            models = await client.models()
        except VideoAPIError as exc:
            fall_back(_catalog_note(exc.code or str(exc.status or "error")))
        except Exception as exc:  # the list is a nicety: any failure leaves the catalog
            fall_back(_catalog_note(type(exc).__name__))
        else:
            offer(list(models))

    return loop.create_task(read()) if running_on(loop) else submit_on(loop, read())
