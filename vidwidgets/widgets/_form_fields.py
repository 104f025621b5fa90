"""The parts ParameterForm is built from: one builder per field family.

Each family owns its widgets and knows three things about them: which models show them
(``configure``), how they read into request fields (``fields``) and how request fields fill
them (``fill``). The form only arranges the families and validates what they produce.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as w
from ipywidgets.widgets.widget_description import DescriptionStyle
from ipywidgets.widgets.widget_string import LabelStyle, TextStyle

from vidwidgets.client import (
    CAMERA_AXES,
    CAMERA_CONTROL_TYPES,
    MOVEMENT_AMPLITUDES,
    ModelSpec,
)

#: The "default" choice. Not None: an ipywidgets Dropdown whose value is None shows no selection
#: at all in the browser, so "default (5 s)" would appear as an empty box.
DEFAULT = ""

Options = list[tuple[str, Any]]


def unset(value: Any) -> Any:
    return None if value == DEFAULT else value


def hide(widget: w.Widget, hidden: bool) -> None:
    widget.layout.display = "none" if hidden else None


def int_or_text(text: str) -> Any:
    # Let VideoRequest judge the value: a non-number stays text and fails with its message.
    return int(text) if text.isdigit() else text


def default_label(value: Any, unit: str = "") -> str:
    return f"default ({value}{unit})" if value is not None else "default"


@dataclass(frozen=True)
class Styles:
    """Layouts and styles shared by many widgets.

    Widgets that are never hidden on their own share one Layout, and widgets of a kind share
    one Style: nbclient saves every widget model into the notebook, so this keeps a saved
    Studio well under the notebook suite's size budget.
    """

    plain: w.Layout = field(default_factory=w.Layout)
    wide: w.Layout = field(default_factory=lambda: w.Layout(width="100%"))
    dropdown: DescriptionStyle = field(
        default_factory=lambda: DescriptionStyle(description_width="120px")
    )
    text: TextStyle = field(default_factory=lambda: TextStyle(description_width="120px"))
    label_style: LabelStyle = field(default_factory=LabelStyle)

    def label(self, css: str) -> w.Label:
        widget = w.Label(layout=self.plain, style=self.label_style)
        widget.add_class(css)
        return widget


def tagged(widget: Any, css: str) -> Any:
    """``widget`` with the CSS class browser tests and the form's style block find it by."""
    widget.add_class(css)
    return widget


class Choice:
    """One request field: a dropdown of allowed values, or free text for unknown models.

    The free-text box is created only when an unknown model needs it: every widget costs a
    model (plus layout and style) in saved widget state. ``on_text`` is told when it is.
    """

    def __init__(
        self,
        spec: tuple[str, str, str, str],
        styles: Styles,
        on_text: Callable[[w.Text], None],
        parse: Callable[[str], Any] = lambda s: s,
    ) -> None:
        self.name, self.label, self.css, self.hint = spec
        self.styles = styles
        self.on_text = on_text
        self.parse = parse
        self.dropdown = tagged(w.Dropdown(description=self.label, style=styles.dropdown), self.css)
        self._text: w.Text | None = None
        self.mode = "hidden"

    @property
    def text(self) -> w.Text:
        if self._text is None:
            self._text = w.Text(
                description=self.label,
                placeholder=self.hint,
                style=self.styles.text,
                continuous_update=False,
            )
            self._text.add_class(self.css)
            self.on_text(self._text)
        return self._text

    def configure(self, mode: str, options: Options, keep: Any) -> None:
        self.mode = mode
        hide(self.dropdown, mode != "choice")
        if self._text is not None or mode == "free":
            hide(self.text, mode != "free")
        if mode == "choice":
            values = [v for _, v in options]
            self.dropdown.options = options
            keep = DEFAULT if keep is None else keep
            # A table default outside the allowed list (vidu2.0: 5 s of 4 or 8) falls back to
            # the first allowed value rather than offering something the API rejects.
            self.dropdown.value = keep if keep in values else values[0]
        elif mode == "free" and keep is not None:
            self.text.value = str(keep)

    def offer(
        self,
        allowed: tuple[Any, ...],
        fallback: Any,
        unit: str,
        keep: Any,
        spell: Callable[[Any], Any] = lambda v: v,
    ) -> None:
        """Offer ``allowed`` after a "default" entry, or hide the field when nothing is.

        ``spell`` writes a value's label as the vendor does (``"1080P"``); the value itself
        stays in the catalog's spelling, which ``VideoRequest`` keeps.
        """
        if not allowed:
            self.configure("hidden", [], None)
            return
        shown_default = spell(fallback) if fallback is not None else None
        options: Options = [(default_label(shown_default, unit), DEFAULT)]
        options += [(f"{spell(a)}{unit}", a) for a in allowed]
        self.configure("choice", options, keep)

    @property
    def shown(self) -> bool:
        return self.mode != "hidden"

    @property
    def value(self) -> Any:
        if self.mode == "choice":
            return unset(self.dropdown.value)
        if self.mode == "free":
            text = self.text.value.strip()
            return self.parse(text) if text else None
        return None

    def set(self, value: Any) -> None:
        if self.mode == "choice":
            value = DEFAULT if value is None else value
            values = [v for _, v in self.dropdown.options]
            if value not in values:
                # The request was validated for this model, so this only happens for values the
                # form does not list: show them anyway.
                self.dropdown.options = [*self.dropdown.options, (str(value), value)]
            self.dropdown.value = value
        elif self.mode == "free":
            self.text.value = "" if value is None else str(value)

    def widgets(self) -> list[w.Widget]:
        return [self.dropdown] if self._text is None else [self.dropdown, self._text]


# name, label, CSS class, free-text hint: the request fields offered as a Choice, in form order
CHOICES: tuple[tuple[str, str, str, str], ...] = (
    ("duration", "Duration", "vw-duration", "seconds, e.g. 5"),
    ("size", "Size", "vw-size", "WIDTHxHEIGHT (optional)"),
    ("aspect_ratio", "Aspect ratio", "vw-aspect-ratio", "W:H (optional)"),
    ("resolution", "Resolution", "vw-resolution", "e.g. 720p"),
    ("mode", "Mode", "vw-mode", ""),
)

# Choice name -> the ModelSpec attributes of its allowed values and its default
GEOMETRY = {
    "size": ("sizes", "default_size"),
    "aspect_ratio": ("aspect_ratios", "default_aspect_ratio"),
    "resolution": ("resolutions", "default_resolution"),
    "mode": ("modes", "default_mode"),
}


def _star(size: str) -> str:
    return size.replace("x", "*")


#: family -> Choice name -> how the vendor writes its values (as the wire mapping sends them)
SPELLING: dict[str, dict[str, Callable[[Any], Any]]] = {
    "hailuo": {"resolution": str.upper},
    "wan": {"resolution": str.upper, "size": _star},
}


def configure_choices(choices: Mapping[str, Choice], spec: ModelSpec, *, keep: bool) -> None:
    """Offer each Choice the values ``spec`` allows (free text where the model is unknown)."""
    duration = choices["duration"]
    duration.dropdown.description = "Seconds" if spec.endpoint == "videos" else "Duration"
    current = duration.value if keep else None
    if spec.free_duration:
        duration.configure("free", [], current)
    else:
        # "default" (None) leaves the length to the server, so an assigned request without a
        # duration reads back unchanged.
        default = spec.default_duration if spec.default_duration in spec.durations else None
        duration.offer(spec.durations, default, " s", current)
    for name, (allowed, fallback) in GEOMETRY.items():
        choice = choices[name]
        now = choice.value if keep else None
        if spec.free_size and name != "mode":
            choice.configure("free", [], now)
        else:
            spell = SPELLING.get(spec.family, {}).get(name, str)
            choice.offer(getattr(spec, allowed), getattr(spec, fallback), "", now, spell)


def fill_choices(choices: Mapping[str, Choice], values: Mapping[str, Any]) -> None:
    """Set each Choice from request fields (``seconds`` is the OpenAI spelling of duration)."""
    if values.get("seconds") is not None:
        choices["duration"].set(int(values["seconds"]))
    elif values.get("duration") is not None:
        choices["duration"].set(values["duration"])
    for name in GEOMETRY:
        if name in values:
            choices[name].set(values[name])


class PromptFields:
    """The prompt with its character count, and the negative prompt (models that take one)."""

    def __init__(self, styles: Styles) -> None:
        self.prompt = tagged(
            w.Textarea(
                description="Prompt",
                placeholder="Describe the video: subject, action, setting, camera, light…",
                rows=4,
                style=styles.text,
                layout=styles.wide,
            ),
            "vw-prompt",
        )
        self.char_count = styles.label("vw-char-count")
        # its own Layout: it is hidden on its own, and hiding sets the layout's display
        self.negative_prompt = tagged(
            w.Textarea(
                description="Negative",
                placeholder="what to avoid (optional)",
                rows=2,
                style=styles.text,
                layout=w.Layout(width="100%"),
            ),
            "vw-negative-prompt",
        )

    def configure(self, spec: ModelSpec) -> None:
        hide(self.negative_prompt, not spec.uses_negative_prompt)

    def count(self, limit: int) -> None:
        """Show the prompt's length against ``limit`` (marked ``vw-over`` past it)."""
        length = len(self.prompt.value)
        self.char_count.value = f"{length} / {limit} characters"
        if length > limit:
            self.char_count.add_class("vw-over")
        else:
            self.char_count.remove_class("vw-over")

    def fields(self, spec: ModelSpec) -> dict[str, Any]:
        fields: dict[str, Any] = {"prompt": self.prompt.value}
        if spec.uses_negative_prompt and self.negative_prompt.value.strip():
            fields["negative_prompt"] = self.negative_prompt.value
        return fields

    def fill(self, values: Mapping[str, Any]) -> None:
        if "prompt" in values:
            self.prompt.value = values["prompt"] or ""
        if "negative_prompt" in values:
            self.negative_prompt.value = values["negative_prompt"] or ""


class SeedField:
    """The seed, its dice button, and in its place a note for models that ignore seeds."""

    def __init__(self, styles: Styles) -> None:
        self.seed = tagged(
            w.Text(
                description="Seed",
                placeholder="random",
                style=styles.text,
                layout=styles.plain,
                continuous_update=False,
            ),
            "vw-seed",
        )
        # An icon, not the 🎲 emoji: headless and minimal Linux browsers lack emoji fonts.
        self.dice = tagged(
            w.Button(icon="random", tooltip="Pick a random seed", layout=styles.plain), "vw-dice"
        )
        self.box = w.HBox([self.seed, self.dice])
        # its own Layout: shown exactly when the box is not
        self.note = tagged(
            w.Label(
                "This model ignores seeds; use samples for independent takes.",
                layout=w.Layout(display="none"),
                style=styles.label_style,
            ),
            "vw-seed-note",
        )

    def widgets(self) -> list[w.Widget]:
        return [self.box, self.note]

    def configure(self, spec: ModelSpec) -> None:
        hide(self.box, not spec.uses_seed)
        hide(self.note, spec.uses_seed)

    def fields(self, spec: ModelSpec) -> dict[str, Any]:
        text = self.seed.value.strip()
        return {"seed": int_or_text(text)} if spec.uses_seed and text else {}

    def fill(self, values: Mapping[str, Any]) -> None:
        if "seed" in values:
            self.seed.value = "" if values["seed"] is None else str(values["seed"])


class SoundField:
    """Audio: a switch for vendors that make their own sound, a soundtrack URL for Wan.

    A request without ``audio`` leaves sound to the vendor's default, so an unticked box
    sends nothing until it has been ticked (or a request said ``audio=False``): from then
    on it sends ``False``.
    """

    def __init__(self, styles: Styles) -> None:
        self.switch = tagged(
            w.Checkbox(description="Generate sound", indent=False, layout=w.Layout()),
            "vw-audio",
        )
        self.url = tagged(
            w.Text(
                description="Soundtrack",
                placeholder="https://…/soundtrack.mp3 (optional)",
                style=styles.text,
                layout=w.Layout(width="100%"),
                continuous_update=False,
            ),
            "vw-audio-url",
        )
        self.said = False  # whether the switch's False means "off" rather than "default"
        self.switch.observe(self._on_switch, "value")
        self._filling = False

    def _on_switch(self, _change: Mapping[str, Any]) -> None:
        if not self._filling:
            self.said = True

    def inputs(self) -> list[w.Widget]:
        return [self.switch, self.url]

    def configure(self, spec: ModelSpec) -> None:
        hide(self.switch, spec.audio not in ("switch", "any"))
        hide(self.url, spec.audio not in ("track", "any"))

    def fields(self, spec: ModelSpec) -> dict[str, Any]:
        url = self.url.value.strip()
        if url and spec.audio in ("track", "any"):
            return {"audio": url}
        if spec.audio in ("switch", "any") and (self.switch.value or self.said):
            return {"audio": bool(self.switch.value)}
        return {}

    def fill(self, values: Mapping[str, Any]) -> None:
        audio = values.get("audio")
        if "audio" not in values:
            return
        self.reset()
        self._filling = True
        try:
            if isinstance(audio, bool):
                self.switch.value, self.said = audio, True
            elif audio is not None:
                self.url.value = str(audio)
        finally:
            self._filling = False

    def reset(self) -> None:
        self._filling = True
        try:
            self.switch.value, self.said = False, False
            self.url.value = ""
        finally:
            self._filling = False


class ImageField:
    """A frame: a URL or local path, or an upload kept out of synced traits.

    An upload's bytes are written to a temporary file (removed with the form) and only a short
    description is shown; an inline data URI is kept here, never in a widget. The first frame
    is ``ImageField(styles)``; the last frame ``ImageField(styles, "end-image", "Last frame")``.
    """

    def __init__(self, styles: Styles, css: str = "image", label: str = "Image") -> None:
        self.label = label
        self.file: pathlib.Path | None = None
        self.data: str | None = None
        self.owned_files: list[pathlib.Path] = []
        frame = "first-frame" if css == "image" else "last-frame"
        self.url = tagged(
            w.Text(
                description=label,
                placeholder=f"https://…/{frame}.png or a local path",
                style=styles.text,
                # its own Layout: hiding it sets display on the layout, and a shared one
                # would hide the prompt with it
                layout=w.Layout(width="100%"),
                continuous_update=False,
            ),
            f"vw-{css}-url",
        )
        self.upload = tagged(
            w.FileUpload(
                accept="image/*", multiple=False, description="Upload", layout=styles.plain
            ),
            f"vw-{css}-upload",
        )
        self.name = styles.label(f"vw-{css}-name")
        self.clear_button = tagged(
            w.Button(description=f"Remove {label.lower()}", icon="times", layout=styles.plain),
            f"vw-{css}-clear",
        )
        self.box = w.HBox([self.upload, self.name, self.clear_button])

    def widgets(self) -> list[w.Widget]:
        return [self.url, self.box]

    def show(self, shown: bool, *, required: bool = False) -> None:
        hide(self.url, not shown)
        hide(self.box, not shown)
        self.url.description = f"{self.label} *" if required else self.label

    @property
    def value(self) -> Any:
        return self.data or self.file or self.url.value.strip() or None

    def set(self, image: Any) -> None:
        self.clear()
        if image is None:
            return
        text = os.fspath(image)
        if text.startswith("data:"):
            self.data = text
            self.name.value = f"inline image ({len(text) * 3 // 4 // 1024} KiB)"
        else:
            self.url.value = text

    def clear(self) -> None:
        self.file = None
        self.data = None
        self.url.value = ""
        self.name.value = ""

    def take_upload(self, item: Mapping[str, Any]) -> None:
        """Move one uploaded file out of the upload widget into a temporary file."""
        name = str(item.get("name") or "upload")
        data = bytes(item["content"])
        suffix = pathlib.Path(name).suffix.lower() or ".img"
        fd, tmp = tempfile.mkstemp(prefix="vidwidgets-upload-", suffix=suffix)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        path = pathlib.Path(tmp)
        self.owned_files.append(path)
        # The upload's bytes sit in a synced trait: clear it at once so they never reach saved
        # widget state; from here on only the temporary file's path (a plain attribute) is used.
        self.upload.value = ()
        self.url.value = ""
        self.data = None
        self.file = path
        self.name.value = f"📎 {name} ({len(data) // 1024} KiB)"


def remove_files(paths: list[pathlib.Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


class AdvancedFields:
    """Kling cfg_scale and camera control, Vidu movement amplitude and bgm, in an accordion."""

    def __init__(self, styles: Styles) -> None:
        plain, dstyle = styles.plain, styles.dropdown
        self.cfg_enabled = w.Checkbox(description="set cfg_scale", indent=False, layout=plain)
        self.cfg_scale = tagged(
            w.FloatSlider(
                value=0.5, min=0.0, max=1.0, step=0.05, description="cfg_scale", layout=plain
            ),
            "vw-cfg-scale",
        )
        self.cfg_row = w.HBox([self.cfg_scale, self.cfg_enabled])
        self.camera_type = tagged(
            w.Dropdown(
                options=[("none", DEFAULT), *((t, t) for t in CAMERA_CONTROL_TYPES)],
                description="Camera",
                style=dstyle,
            ),
            "vw-camera-type",
        )
        self.camera_axis = w.Dropdown(
            options=list(CAMERA_AXES), value="zoom", description="axis", layout=plain
        )
        self.camera_amount = w.FloatSlider(
            value=5.0, min=-10, max=10, step=0.5, description="by", layout=plain
        )
        self.camera_row = w.HBox([self.camera_axis, self.camera_amount])
        self.movement = tagged(
            w.Dropdown(
                options=[("default", DEFAULT), *((m, m) for m in MOVEMENT_AMPLITUDES)],
                description="Movement",
                style=dstyle,
            ),
            "vw-movement",
        )
        self.bgm = tagged(
            w.Dropdown(
                options=[("default", DEFAULT), ("on", True), ("off", False)],
                description="Music (bgm)",
                style=dstyle,
            ),
            "vw-bgm",
        )
        self.box = w.VBox(
            [self.cfg_row, self.camera_type, self.camera_row, self.movement, self.bgm]
        )
        self.accordion = tagged(
            w.Accordion(children=[self.box], selected_index=None), "vw-advanced"
        )
        self.accordion.set_title(0, "Advanced")

    def inputs(self) -> list[w.Widget]:
        """The widgets whose value is part of the request."""
        return [
            self.cfg_enabled,
            self.cfg_scale,
            self.camera_type,
            self.camera_axis,
            self.camera_amount,
            self.movement,
            self.bgm,
        ]

    def configure(self, spec: ModelSpec) -> None:
        hide(self.cfg_row, "cfg_scale" not in spec.options)
        hide(self.camera_row, "camera_control" not in spec.options)
        hide(self.movement, "movement_amplitude" not in spec.options)
        hide(self.bgm, "bgm" not in spec.options)
        hide(self.accordion, not spec.options)

    def fields(self, spec: ModelSpec) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if "cfg_scale" in spec.options and self.cfg_enabled.value:
            fields["cfg_scale"] = round(float(self.cfg_scale.value), 4)
        if "camera_control" in spec.options and self.camera_type.value != DEFAULT:
            camera: dict[str, Any] = {"type": self.camera_type.value}
            if self.camera_type.value == "simple":
                camera["config"] = {self.camera_axis.value: float(self.camera_amount.value)}
            fields["camera_control"] = camera
        if "movement_amplitude" in spec.options and self.movement.value != DEFAULT:
            fields["movement_amplitude"] = self.movement.value
        if "bgm" in spec.options and self.bgm.value != DEFAULT:
            fields["bgm"] = self.bgm.value
        return fields

    def fill(self, values: Mapping[str, Any]) -> None:
        if values.get("cfg_scale") is not None:
            self.cfg_enabled.value = True
            self.cfg_scale.value = float(values["cfg_scale"])
        camera = values.get("camera_control")
        if camera:
            self.camera_type.value = camera["type"]
            for axis, amount in (camera.get("config") or {}).items():
                if amount:
                    self.camera_axis.value = axis
                    self.camera_amount.value = float(amount)
        if "movement_amplitude" in values:
            self.movement.value = values["movement_amplitude"] or DEFAULT
        if "bgm" in values:
            self.bgm.value = DEFAULT if values["bgm"] is None else values["bgm"]

    def reset(self) -> None:
        self.cfg_enabled.value = False
        self.cfg_scale.value = 0.5
        self.camera_type.value = DEFAULT
        self.movement.value = DEFAULT
        self.bgm.value = DEFAULT
