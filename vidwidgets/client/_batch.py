"""``as_completed``: many jobs and requests at once, yielded as each one ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

from vidwidgets.client._exceptions import GenerationFailed, JobCancelled, VideoAPIError
from vidwidgets.client._types import VideoJob, VideoRequest

__all__ = ["Item", "as_completed"]

Item = VideoJob | str | VideoRequest


async def as_completed(
    items: Iterable[Item],
    *,
    generate: Callable[[VideoRequest], Awaitable[VideoJob]],
    wait: Callable[[VideoJob | str], Awaitable[VideoJob]],
    return_exceptions: bool = False,
) -> AsyncIterator[VideoJob | VideoAPIError]:
    """Generate the requests and wait on the jobs; yield each as it ends.

    See ``VideoClient.as_completed``. Leaving early cancels what is still running.
    """

    async def one(item: Item) -> VideoJob | VideoAPIError:
        try:
            if isinstance(item, VideoRequest):
                return await generate(item)
            return await wait(item)
        except (GenerationFailed, JobCancelled) as exc:
            if exc.job is None:
                raise
            return exc.job
        except VideoAPIError as exc:
            if return_exceptions:
                return exc
            raise

    tasks = [asyncio.ensure_future(one(item)) for item in items]
    try:
        for next_done in asyncio.as_completed(tasks):
            yield await next_done
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
