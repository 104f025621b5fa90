"""Every catalog model's wire mapping, read by the simulator's own (independent) plugin rules.

The client's catalog and the simulator's vendor rules were written separately from the same
reference. Each request below uses every option its model takes (images, last frame, seed,
negative prompt, audio); the simulator's plugin must accept it and drop nothing the client sent,
so a field that reaches the wrong place on the wire fails here, not in a user's bill.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from vidwidgets.client import MODELS, ModelSpec, VideoRequest

from .conftest import PNG as PNG_BYTES
from .conftest import SimFactory

PNG = "data:image/png;base64," + base64.b64encode(PNG_BYTES).decode()

#: fields a plugin does not read but that do no harm: the gateway sets Jimeng's req_key itself
HARMLESS: dict[str, set[str]] = {"jimeng": {"metadata.req_key"}}


def full_request(name: str, spec: ModelSpec) -> VideoRequest:
    """A request for ``name`` with every option the catalog says the model takes."""
    fields: dict[str, Any] = {"model": name, "prompt": "a red fox in snow"}
    if spec.image == "required" or spec.end_frame:
        fields["image"] = PNG
    if spec.end_frame:
        fields["end_image"] = PNG
    if spec.uses_seed:
        fields["seed"] = 7
    if spec.uses_negative_prompt:
        fields["negative_prompt"] = "blur"
    if spec.audio == "switch":
        fields["audio"] = True
    return VideoRequest(**fields)


@pytest.mark.parametrize("name", sorted(MODELS))
async def test_the_plugin_reads_everything_the_client_sends(
    name: str, make_sim: SimFactory, make_client: Any
) -> None:
    spec = MODELS[name]
    sim = await make_sim("plugin")
    fmt = "openai" if spec.endpoint == "videos" else "88api"
    client = make_client(sim, api_format=fmt)
    job = await client.create(full_request(name, spec))
    task = sim.tasks[job.id]
    dropped = set(task.spec.dropped) - HARMLESS.get(spec.family, set())
    assert not dropped, f"{name}: the plugin dropped {sorted(dropped)}"
    upstream = repr(task.spec.upstream)
    if spec.uses_seed:
        assert "7" in upstream, f"{name}: the seed did not reach the vendor: {upstream}"
    if spec.uses_negative_prompt:
        assert "blur" in upstream, f"{name}: the negative prompt did not reach the vendor"


async def test_a_veo_image_file_is_inlined_before_the_create(
    make_sim: SimFactory, make_client: Any, tmp_path: Path
) -> None:
    image = tmp_path / "first.png"
    image.write_bytes(PNG_BYTES)
    sim = await make_sim("plugin")
    client = make_client(sim, api_format="88api")
    job = await client.create(
        VideoRequest(model="veo-3.1-generate-preview", prompt="a fox", image=str(image))
    )
    task = sim.tasks[job.id]
    assert "image" not in task.spec.dropped
    assert PNG.split(",", 1)[1] in repr(task.spec.upstream)


async def test_a_veo_image_url_is_fetched_without_the_key_and_inlined(
    make_sim: SimFactory, make_client: Any, image_server: tuple[str, list[dict[str, str]]]
) -> None:
    base, seen = image_server
    sim = await make_sim("plugin")
    client = make_client(sim, api_format="88api")
    url = f"{base}/png"
    job = await client.create(
        VideoRequest(model="veo-3.1-generate-preview", prompt="a fox", image=url)
    )
    assert len(seen) == 1
    assert "Authorization" not in seen[0]
    assert "image" not in sim.tasks[job.id].spec.dropped
    assert url not in repr(sim.tasks[job.id].spec.upstream)
