"""ParameterForm: the fields of a VideoRequest, offered per model.

Which fields appear and which values they allow come from the client's model table
(``vidwidgets.client._models.MODELS``), the same rules ``VideoRequest`` validates with, so the
form never offers what the API would reject. Every change rebuilds the request; a
``ValidationError`` is shown next to the field it names and disables the run button.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import random
import tempfile
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any, cast

import ipywidgets as w
import traitlets
from ipywidgets.widgets.widget_description import DescriptionStyle
from ipywidgets.widgets.widget_string import LabelStyle, TextStyle

from vidwidgets.client._exceptions import ValidationError
from vidwidgets.client._models import (
    CAMERA_AXES,
    CAMERA_CONTROL_TYPES,
    FAMILY_LABELS,
    MAX_SEED,
    MODELS,
    MOVEMENT_AMPLITUDES,
    ModelSpec,
    get_model_spec,
)
from vidwidgets.client._types import VideoRequest

__all__ = ["ParameterForm"]

_DESC = {"description_width": "120px"}
_WIDE = w.Layout(width="100%")
_FAMILIES = tuple(f for f in FAMILY_LABELS if f != "generic")  # every vendor of the catalog

# The form's own look: one <style> block, shipped in a hidden HTML widget (ipywidgets has no
# other way to add CSS); the class names are part of the public surface for browser tests.
_FORM_CSS = """<style>
.vw-form .vw-field-error {
  color: var(--jp-error-color1, #c62828); white-space: normal; height: auto;
  line-height: 1.3; margin-left: 124px; font-size: 12px;
}
.vw-form .vw-char-count { margin-left: 124px; font-size: 12px;
  color: var(--jp-ui-font-color2, #666); }
.vw-form .vw-char-count.vw-over { color: var(--jp-error-color1, #c62828); font-weight: 600; }
.vw-form .vw-dice { width: 40px; }
</style>"""


#: The "default" choice. Not None: an ipywidgets Dropdown whose value is None shows no selection
#: at all in the browser, so "default (5 s)" would appear as an empty box.
DEFAULT = ""


def _unset(value: Any) -> Any:
    return None if value == DEFAULT else value


def _hide(widget: w.Widget, hidden: bool) -> None:
    widget.layout.display = "none" if hidden else None


class _Choice:
    """One request field: a dropdown of allowed values, or free text for unknown models.

    The free-text box is created only when an unknown model needs it: every widget costs a
    model (plus layout and style) in saved widget state.
    """

    def __init__(self, form: ParameterForm, name: str, label: str, css: str, hint: str) -> None:
        self.form = form
        self.name = name
        self.label = label
        self.css = css
        self.hint = hint
        self.dropdown = w.Dropdown(description=label, style=form._dropdown_style)
        self.dropdown.add_class(css)
        self._text: w.Text | None = None
        self.mode = "hidden"
        self.parse: Callable[[str], Any] = lambda s: s

    @property
    def text(self) -> w.Text:
        if self._text is None:
            self._text = w.Text(
                description=self.label,
                placeholder=self.hint,
                style=self.form._text_style,
                continuous_update=False,
            )
            self._text.add_class(self.css)
            self._text.observe(self.form._on_field, "value")
            self.form._arrange()
        return self._text

    def configure(self, mode: str, options: list[tuple[str, Any]], keep: Any, default: Any) -> None:
        self.mode = mode
        _hide(self.dropdown, mode != "choice")
        if self._text is not None or mode == "free":
            _hide(self.text, mode != "free")
        if mode == "choice":
            values = [v for _, v in options]
            self.dropdown.options = options
            keep = DEFAULT if keep is None else keep
            default = DEFAULT if default is None else default
            if keep in values:
                self.dropdown.value = keep
            else:
                # A table default outside the allowed list (vidu2.0: 5 s of 4 or 8) falls back to
                # the first allowed value rather than offering something the API rejects.
                self.dropdown.value = default if default in values else values[0]
        elif mode == "free" and keep is not None:
            self.text.value = str(keep)

    @property
    def shown(self) -> bool:
        return self.mode != "hidden"

    @property
    def value(self) -> Any:
        if self.mode == "choice":
            return _unset(self.dropdown.value)
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


def _int_or_text(text: str) -> Any:
    # Let VideoRequest judge the value: a non-number stays text and fails with its message.
    return int(text) if text.isdigit() else text


def _default_label(value: Any, unit: str = "") -> str:
    return f"default ({value}{unit})" if value is not None else "default"


class ParameterForm(w.VBox):  # type: ignore[misc]
    """A form for one video request whose fields follow the chosen model.

    ``form.request`` is the ``VideoRequest`` (raises ``ValidationError`` while the input is
    invalid); assigning a request fills the form. ``form.valid`` and ``form.error`` say whether
    the run button is enabled and why not; ``on_submit(callback)`` runs ``callback(request)``
    when it is clicked.

        >>> form = ParameterForm(model="sora-2", prompt="a paper boat at dawn", seconds="8")
        >>> form.request
        VideoRequest(model='sora-2', prompt='a paper boat at dawn', seconds='8')
        >>> form.duration.value = 12; form.request.seconds
        '12'

    Request fields can be given as keyword arguments, or ``request=`` a whole ``VideoRequest``.
    """

    valid = traitlets.Bool(False, help="True when the fields make a valid request.")
    error = traitlets.Unicode("", help="Why the request is invalid ('' when valid).")
    error_field = traitlets.Unicode("", help="The request field the error is about.")

    def __init__(
        self,
        request: VideoRequest | None = None,
        *,
        show_button: bool = True,
        button_description: str = "Generate",
        **fields: Any,
    ) -> None:
        super().__init__()
        self.add_class("vw-form")
        self._filling = 0
        self._spec: ModelSpec = MODELS["kling-v1"]
        self._submit_callbacks: list[Callable[[VideoRequest], Any]] = []
        self._request: VideoRequest | None = None
        # Image bytes stay out of synced traits: an upload is written to a temporary file and a
        # data URI is kept here; only a short description is shown.
        self._image_file: pathlib.Path | None = None
        self._image_data: str | None = None
        self._owned_files: list[pathlib.Path] = []
        self._metadata: dict[str, Any] = {}
        weakref.finalize(self, _remove_files, self._owned_files)

        self._build(show_button)
        self._arrange()
        self.run_button.description = button_description

        initial: dict[str, Any] = request.to_dict() if request is not None else {}
        initial.update(fields)
        initial.setdefault("model", "kling-v1")
        initial.setdefault("prompt", "")
        self._fill(initial)

    # -- construction -------------------------------------------------------------------------

    def _build(self, show_button: bool) -> None:
        # Widgets that are never hidden on their own share one Layout, and widgets of a kind
        # share one Style: nbclient saves every widget model into the notebook, so this keeps a
        # saved Studio well under the notebook suite's size budget.
        plain = w.Layout()
        wide = w.Layout(width="100%")
        self._dropdown_style = DescriptionStyle(description_width="120px")
        self._text_style = TextStyle(description_width="120px")
        label_style = LabelStyle()
        dstyle, tstyle = self._dropdown_style, self._text_style

        def label(css: str, layout: w.Layout = plain) -> w.Label:
            widget = w.Label(layout=layout, style=label_style)
            widget.add_class(css)
            return widget

        families = [(FAMILY_LABELS[f], f) for f in _FAMILIES] + [("Other (type a name)", "generic")]
        self.family = w.Dropdown(
            options=families, value="kling", description="Family", style=dstyle, layout=plain
        )
        self.family.add_class("vw-family")
        self.model = w.Dropdown(description="Model", style=dstyle)
        self.model.add_class("vw-model")
        self.custom_model = w.Text(
            description="Model name",
            placeholder="any model the gateway knows, e.g. my-model-v1",
            style=tstyle,
            continuous_update=False,
        )
        self.custom_model.add_class("vw-model-custom")

        self.prompt = w.Textarea(
            description="Prompt",
            placeholder="Describe the video: subject, action, setting, camera, light…",
            rows=4,
            style=tstyle,
            layout=wide,
        )
        self.prompt.add_class("vw-prompt")
        self.char_count = label("vw-char-count")

        self.negative_prompt = w.Textarea(
            description="Negative",
            placeholder="what to avoid (optional)",
            rows=2,
            style=tstyle,
            layout=w.Layout(width="100%"),
        )
        self.negative_prompt.add_class("vw-negative-prompt")

        self.seed = w.Text(
            description="Seed",
            placeholder="random",
            style=tstyle,
            layout=plain,
            continuous_update=False,
        )
        self.seed.add_class("vw-seed")
        # An icon, not the 🎲 emoji: headless and minimal Linux browsers lack emoji fonts.
        self.dice = w.Button(icon="random", tooltip="Pick a random seed", layout=plain)
        self.dice.add_class("vw-dice")
        self.dice.on_click(lambda _b: self.roll_seed())
        self.seed_box = w.HBox([self.seed, self.dice])

        self._duration = _Choice(self, "duration", "Duration", "vw-duration", "seconds, e.g. 5")
        self._duration.parse = _int_or_text
        self._size = _Choice(self, "size", "Size", "vw-size", "WIDTHxHEIGHT (optional)")
        self._aspect = _Choice(
            self, "aspect_ratio", "Aspect ratio", "vw-aspect-ratio", "W:H (optional)"
        )
        self._resolution = _Choice(self, "resolution", "Resolution", "vw-resolution", "e.g. 720p")
        self._mode = _Choice(self, "mode", "Mode", "vw-mode", "")
        self.duration, self.size = self._duration.dropdown, self._size.dropdown
        self.aspect_ratio = self._aspect.dropdown
        self.resolution, self.mode = self._resolution.dropdown, self._mode.dropdown

        self.image_url = w.Text(
            description="Image",
            placeholder="https://…/first-frame.png or a local path",
            style=tstyle,
            layout=wide,
            continuous_update=False,
        )
        self.image_url.add_class("vw-image-url")
        self.image_upload = w.FileUpload(
            accept="image/*", multiple=False, description="Upload", layout=plain
        )
        self.image_upload.add_class("vw-image-upload")
        self.image_name = label("vw-image-name")
        self.image_clear = w.Button(description="Remove image", icon="times", layout=plain)
        self.image_clear.add_class("vw-image-clear")
        self.image_clear.on_click(lambda _b: self.clear_image())
        self.image_box = w.HBox([self.image_upload, self.image_name, self.image_clear])
        self.image_upload.observe(self._on_upload, "value")

        # Advanced: Kling cfg_scale and camera control, Vidu movement amplitude and bgm.
        self.cfg_enabled = w.Checkbox(description="set cfg_scale", indent=False, layout=plain)
        self.cfg_scale = w.FloatSlider(
            value=0.5, min=0.0, max=1.0, step=0.05, description="cfg_scale", layout=plain
        )
        self.cfg_scale.add_class("vw-cfg-scale")
        self.cfg_row = w.HBox([self.cfg_scale, self.cfg_enabled])
        self.camera_type = w.Dropdown(
            options=[("none", DEFAULT), *((t, t) for t in CAMERA_CONTROL_TYPES)],
            description="Camera",
            style=dstyle,
        )
        self.camera_type.add_class("vw-camera-type")
        self.camera_axis = w.Dropdown(
            options=list(CAMERA_AXES), value="zoom", description="axis", layout=plain
        )
        self.camera_amount = w.FloatSlider(
            value=5.0, min=-10, max=10, step=0.5, description="by", layout=plain
        )
        self.camera_row = w.HBox([self.camera_axis, self.camera_amount])
        self.movement = w.Dropdown(
            options=[("default", DEFAULT), *((m, m) for m in MOVEMENT_AMPLITUDES)],
            description="Movement",
            style=dstyle,
        )
        self.movement.add_class("vw-movement")
        self.bgm = w.Dropdown(
            options=[("default", DEFAULT), ("on", True), ("off", False)],
            description="Music (bgm)",
            style=dstyle,
        )
        self.bgm.add_class("vw-bgm")
        self.advanced_box = w.VBox(
            [self.cfg_row, self.camera_type, self.camera_row, self.movement, self.bgm]
        )
        self.advanced = w.Accordion(children=[self.advanced_box], selected_index=None)
        self.advanced.set_title(0, "Advanced")
        self.advanced.add_class("vw-advanced")

        # One error label, moved next to whichever field the error is about.
        self.field_error = label("vw-field-error")
        self._error_group = ""
        self.run_button = w.Button(
            description="Generate", button_style="primary", icon="play", layout=plain
        )
        self.run_button.add_class("vw-generate")
        self.run_button.on_click(self._on_run_click)
        self._style_html = w.HTML(_FORM_CSS, layout=w.Layout(display="none"))
        self._style_html.add_class("vw-style")
        self._show_button = show_button

        self.family.observe(self._on_family, "value")
        self.model.observe(self._on_model, "value")
        self.custom_model.observe(self._on_model, "value")
        watched: list[w.Widget] = [
            self.prompt,
            self.negative_prompt,
            self.seed,
            self.image_url,
            self.cfg_enabled,
            self.cfg_scale,
            self.camera_type,
            self.camera_axis,
            self.camera_amount,
            self.movement,
            self.bgm,
        ]
        for choice in self._choices():
            watched += choice.widgets()
        for widget in watched:
            widget.observe(self._on_field, "value")

    def _choices(self) -> tuple[_Choice, ...]:
        return (self._duration, self._size, self._aspect, self._resolution, self._mode)

    def _groups(self) -> list[tuple[str, list[w.Widget]]]:
        """The form's rows in order, by the error group each belongs to."""
        groups: list[tuple[str, list[w.Widget]]] = [
            ("", [self._style_html]),
            ("model", [self.family, self.model, self.custom_model]),
            ("prompt", [self.prompt, self.char_count]),
            ("negative_prompt", [self.negative_prompt]),
        ]
        groups += [(c.name, c.widgets()) for c in self._choices()]
        groups += [
            ("seed", [self.seed_box]),
            ("image", [self.image_url, self.image_box]),
            ("advanced", [self.advanced]),
            ("other", []),
        ]
        if self._show_button:
            groups.append(("button", [self.run_button]))
        return groups

    def _arrange(self) -> None:
        children: list[w.Widget] = []
        for group, widgets in self._groups():
            children += widgets
            if group == self._error_group:
                children.append(self.field_error)
        current = tuple(cast(Any, self).children)  # ipywidgets is untyped
        if tuple(children) != current:
            self.children = tuple(children)

    @property
    def error_group(self) -> str:
        """Which row the error label sits under ('' when valid): e.g. "seed", "advanced"."""
        return self._error_group

    # -- public API ---------------------------------------------------------------------------

    @property
    def spec(self) -> ModelSpec:
        """The rules of the chosen model."""
        return self._spec

    @property
    def model_name(self) -> str:
        return self._spec.name

    @property
    def request(self) -> VideoRequest:
        """The request the form describes; raises ``ValidationError`` while it is invalid."""
        return self._build_request()

    @request.setter
    def request(self, request: VideoRequest) -> None:
        self._fill(request.to_dict(), reset=True)

    def on_submit(self, callback: Callable[[VideoRequest], Any]) -> None:
        """Call ``callback(request)`` when the run button is clicked with valid input."""
        self._submit_callbacks.append(callback)

    def roll_seed(self) -> int:
        """Fill the seed with a random value (the dice button)."""
        value = random.randint(0, MAX_SEED)
        self.seed.value = str(value)
        return value

    def clear_image(self) -> None:
        self._image_file = None
        self._image_data = None
        with self._quiet():
            self.image_url.value = ""
            self.image_name.value = ""
        self._validate()

    # -- filling ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _quiet(self) -> Iterator[None]:
        self._filling += 1
        try:
            yield
        finally:
            self._filling -= 1

    def _fill(self, values: Mapping[str, Any], *, reset: bool = False) -> None:
        values = dict(values)
        with self._quiet():
            name = str(values.get("model") or "kling-v1")
            self._select_model(name)
            spec = self._spec
            if reset:
                self._reset_fields()
            if "prompt" in values:
                self.prompt.value = values["prompt"] or ""
            if "negative_prompt" in values:
                self.negative_prompt.value = values["negative_prompt"] or ""
            if "seed" in values:
                self.seed.value = "" if values["seed"] is None else str(values["seed"])
            if values.get("seconds") is not None:
                self._duration.set(int(values["seconds"]))
            elif values.get("duration") is not None:
                self._duration.set(values["duration"])
            for choice in (self._size, self._aspect, self._resolution, self._mode):
                if choice.name in values:
                    choice.set(values[choice.name])
            if "image" in values:
                self._set_image(values["image"])
            if values.get("cfg_scale") is not None:
                self.cfg_enabled.value = True
                self.cfg_scale.value = float(values["cfg_scale"])
            camera = values.get("camera_control")
            if camera:
                self.camera_type.value = camera["type"]
                config = camera.get("config") or {}
                for axis, amount in config.items():
                    if amount:
                        self.camera_axis.value = axis
                        self.camera_amount.value = float(amount)
            if "movement_amplitude" in values:
                self.movement.value = values["movement_amplitude"] or DEFAULT
            if "bgm" in values:
                self.bgm.value = DEFAULT if values["bgm"] is None else values["bgm"]
            if "metadata" in values:
                # Not a form field: carried through unchanged so assigning a request loses nothing.
                self._metadata = dict(values["metadata"] or {})
            unknown = set(values) - _FORM_FIELDS - {"metadata"}
            if unknown:
                raise ValidationError(
                    sorted(unknown)[0],
                    values[sorted(unknown)[0]],
                    "a field the form offers (set metadata through the client)",
                    model=spec.name,
                )
        self._validate()

    def _reset_fields(self) -> None:
        self.prompt.value = ""
        self.negative_prompt.value = ""
        self.seed.value = ""
        self._metadata = {}
        self._configure(self._spec, keep=False)
        self._image_file = None
        self._image_data = None
        self.image_url.value = ""
        self.image_name.value = ""
        self.cfg_enabled.value = False
        self.cfg_scale.value = 0.5
        self.camera_type.value = DEFAULT
        self.movement.value = DEFAULT
        self.bgm.value = DEFAULT

    def _set_image(self, image: Any) -> None:
        self._image_file = None
        self._image_data = None
        self.image_name.value = ""
        self.image_url.value = ""
        if image is None:
            return
        text = os.fspath(image)
        if text.startswith("data:"):
            self._image_data = text
            self.image_name.value = f"inline image ({len(text) * 3 // 4 // 1024} KiB)"
        else:
            self.image_url.value = text

    def _select_model(self, name: str) -> None:
        spec = get_model_spec(name.strip())
        family = spec.family if spec.known else "generic"
        with self._quiet():
            if self.family.value != family:
                self.family.value = family
            self._set_model_options(family)
            if spec.known:
                self.model.value = spec.name
            else:
                self.custom_model.value = name
        self._apply_spec(spec)

    def _set_model_options(self, family: str) -> None:
        names = [s for s in MODELS.values() if s.family == family]
        with self._quiet():
            self.model.options = [(f"{s.label} — {s.name}", s.name) for s in names]
        _hide(self.model, family == "generic")
        _hide(self.custom_model, family != "generic")

    def _apply_spec(self, spec: ModelSpec) -> None:
        changed = spec != self._spec
        self._spec = spec
        self._configure(spec, keep=True)
        if changed or not self.model.tooltip:
            # Shown on hover: a label of its own would be one more widget in saved state.
            self.model.tooltip = self.custom_model.tooltip = _describe(spec)

    def _configure(self, spec: ModelSpec, *, keep: bool) -> None:
        """Show the fields this model takes, offering only its allowed values."""
        with self._quiet():
            d = self._duration
            current = d.value if keep else None
            d.dropdown.description = "Seconds" if spec.endpoint == "videos" else "Duration"
            if spec.free_duration:
                d.configure("free", [], current, None)
            elif spec.durations:
                # "default" (None) leaves the length to the server, so an assigned request
                # without a duration reads back unchanged.
                default = spec.default_duration if spec.default_duration in spec.durations else None
                durations: list[tuple[str, Any]] = [(_default_label(default, " s"), DEFAULT)]
                durations += [(f"{s} s", s) for s in spec.durations]
                d.configure("choice", durations, current, None)
            else:
                d.configure("hidden", [], None, None)
            geometry = (
                (self._size, spec.sizes, spec.default_size, ""),
                (self._aspect, spec.aspect_ratios, spec.default_aspect_ratio, ""),
                (self._resolution, spec.resolutions, spec.default_resolution, ""),
                (self._mode, spec.modes, spec.default_mode, ""),
            )
            for choice, allowed, fallback, unit in geometry:
                now = choice.value if keep else None
                if spec.free_size and choice is not self._mode:
                    choice.configure("free", [], now, None)
                elif allowed:
                    options: list[tuple[str, Any]] = [(_default_label(fallback, unit), DEFAULT)]
                    options += [(a, a) for a in allowed]
                    choice.configure("choice", options, now, None)
                else:
                    choice.configure("hidden", [], None, None)
            _hide(self.negative_prompt, not spec.uses_negative_prompt)
            _hide(self.seed_box, not spec.uses_seed)
            _hide(self.image_url, spec.image == "none")
            _hide(self.image_box, spec.image == "none")
            self.image_url.description = "Image *" if spec.image == "required" else "Image"
            _hide(self.cfg_row, "cfg_scale" not in spec.options)
            _hide(self.camera_row, "camera_control" not in spec.options)
            _hide(self.movement, "movement_amplitude" not in spec.options)
            _hide(self.bgm, "bgm" not in spec.options)
            _hide(self.advanced, not spec.options)

    # -- building and validating ----------------------------------------------------------------

    def _fields(self) -> dict[str, Any]:
        spec = self._spec
        name = self.custom_model.value.strip() if self.family.value == "generic" else spec.name
        fields: dict[str, Any] = {"model": name or "", "prompt": self.prompt.value}
        if spec.uses_negative_prompt and self.negative_prompt.value.strip():
            fields["negative_prompt"] = self.negative_prompt.value
        if spec.uses_seed and self.seed.value.strip():
            text = self.seed.value.strip()
            fields["seed"] = int(text) if text.isdigit() else text
        duration = self._duration.value
        if duration is not None:
            if spec.endpoint == "videos":
                fields["seconds"] = str(duration)
            else:
                fields["duration"] = duration
        for choice in (self._size, self._aspect, self._resolution, self._mode):
            if choice.value is not None:
                fields[choice.name] = choice.value
        if spec.image != "none":
            image = self._image_data or self._image_file or self.image_url.value.strip() or None
            if image is not None:
                fields["image"] = image
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
        if self._metadata:
            fields["metadata"] = self._metadata
        return fields

    def _build_request(self) -> VideoRequest:
        return VideoRequest(**self._fields())

    def _validate(self) -> None:
        if self._filling:
            return
        prompt_len = len(self.prompt.value)
        limit = self._spec.max_prompt_chars
        self.char_count.value = f"{prompt_len} / {limit} characters"
        if prompt_len > limit:
            self.char_count.add_class("vw-over")
        else:
            self.char_count.remove_class("vw-over")
        try:
            request = self._build_request()
        except ValidationError as exc:
            self._request = None
            field = exc.field.split(".")[0]
            if field == "prompt" and not str(self.prompt.value).strip():
                text = "Describe the video to enable Generate."
            elif field == "model" and not str(exc.value or "").strip():
                text = "Type a model name."
            else:
                text = _error_text(exc)
            self.field_error.value = text
            self._error_group = _ERROR_GROUPS.get(field, field)
            if self._error_group not in {g for g, _ in self._groups()}:
                self._error_group = "other"
            self.error_field = exc.field
            self.error = text
            self.valid = False
        else:
            self._request = request
            self.field_error.value = ""
            self._error_group = ""
            self.error_field = ""
            self.error = ""
            self.valid = True
        self._arrange()
        self.run_button.disabled = not self.valid

    # -- events -------------------------------------------------------------------------------

    def _on_family(self, change: Mapping[str, Any]) -> None:
        if self._filling:
            return
        family = change["new"]
        with self._quiet():
            self._set_model_options(family)
            if family == "generic":
                spec = get_model_spec(self.custom_model.value.strip() or "custom-model")
            else:
                spec = MODELS[self.model.options[0][1]]
                self.model.value = spec.name
        self._apply_spec(spec)
        self._validate()

    def _on_model(self, change: Mapping[str, Any]) -> None:
        if self._filling or not change["new"]:
            if not self._filling and self.family.value == "generic":
                self._validate()
            return
        name = str(change["new"]).strip()
        spec = get_model_spec(name)
        if spec.known and change["owner"] is self.custom_model:
            # A known model typed by hand: jump to its family so its real rules apply.
            with self._quiet():
                self.custom_model.value = ""
            self._select_model(spec.name)
        else:
            self._apply_spec(spec)
        self._validate()

    def _on_field(self, _change: Mapping[str, Any]) -> None:
        self._validate()

    def _on_upload(self, change: Mapping[str, Any]) -> None:
        items = change["new"]
        if not items:
            return
        item = items[0]
        name = str(item.get("name") or "upload")
        data = bytes(item["content"])
        suffix = pathlib.Path(name).suffix.lower() or ".img"
        fd, tmp = tempfile.mkstemp(prefix="vidwidgets-upload-", suffix=suffix)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        path = pathlib.Path(tmp)
        self._owned_files.append(path)
        # The upload's bytes sit in a synced trait: clear it at once so they never reach saved
        # widget state; from here on only the temporary file's path (a plain attribute) is used.
        self.image_upload.value = ()
        with self._quiet():
            self.image_url.value = ""
        self._image_data = None
        self._image_file = path
        self.image_name.value = f"📎 {name} ({len(data) // 1024} KiB)"
        self._validate()

    def _on_run_click(self, _button: w.Button) -> None:
        self.submit()

    def submit(self) -> VideoRequest | None:
        """What clicking the run button does: call the submit callbacks with the request."""
        self._validate()
        if not self.valid or self._request is None:
            return None
        request = self._request
        for callback in list(self._submit_callbacks):
            callback(request)
        return request

    def __repr__(self) -> str:
        state = "valid" if self.valid else f"invalid: {self.error_field}"
        return f"ParameterForm(model={self._spec.name!r}, {state})"


# error field -> the row the error label goes under
_ERROR_GROUPS = {
    "seconds": "duration",
    "cfg_scale": "advanced",
    "camera_control": "advanced",
    "movement_amplitude": "advanced",
    "bgm": "advanced",
}

_FORM_FIELDS = {
    "model",
    "prompt",
    "negative_prompt",
    "seed",
    "duration",
    "seconds",
    "size",
    "aspect_ratio",
    "resolution",
    "mode",
    "image",
    "cfg_scale",
    "camera_control",
    "movement_amplitude",
    "bgm",
}


def _describe(spec: ModelSpec) -> str:
    if not spec.known:
        return "A model outside the built-in table: fields are passed through unchecked."
    kind = {
        "none": "text-to-video",
        "optional": "text- or image-to-video",
        "required": "image-to-video (needs an image)",
    }[spec.image]
    return f"{spec.label}: {kind}, prompt up to {spec.max_prompt_chars} characters."


def _error_text(exc: ValidationError) -> str:
    # The message repeats the value; a long prompt would drown the part that says what to do.
    if len(repr(exc.value)) > 40:
        where = f" for {exc.model}" if exc.model else ""
        text = f"{exc.field} is not allowed{where}: {exc.allowed}"
    else:
        text = exc.message
    return text + (f" — {exc.hint}" if exc.hint else "")


def _remove_files(paths: list[pathlib.Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()
