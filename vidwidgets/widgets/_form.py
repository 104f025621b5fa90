"""ParameterForm: the fields of a VideoRequest, offered per model.

Which fields appear and which values they allow come from the client's model table
(``vidwidgets.client.MODELS``), the same rules ``VideoRequest`` validates with, so the
form never offers what the API would reject. Every change rebuilds the request; a
``ValidationError`` is shown next to the field it names and disables the run button.
"""

from __future__ import annotations

import contextlib
import random
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any, cast

import ipywidgets as w
import traitlets

from vidwidgets.client import (
    FAMILY_LABELS,
    MAX_SEED,
    MODELS,
    ModelSpec,
    ValidationError,
    VideoRequest,
    get_model_spec,
)
from vidwidgets.widgets._form_fields import (
    CHOICES,
    AdvancedFields,
    Choice,
    ImageField,
    Styles,
    configure_choices,
    fill_choices,
    hide,
    int_or_text,
    remove_files,
    tagged,
)

__all__ = ["ParameterForm"]

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
        self._metadata: dict[str, Any] = {}
        self._show_button = show_button

        styles = Styles()
        self._build_model_and_prompt(styles)
        self._build_choices(styles)
        self._image = ImageField(styles)
        weakref.finalize(self, remove_files, self._image.owned_files)
        self._expose_image()
        self._advanced = AdvancedFields(styles)
        self._expose_advanced()
        self._build_footer(styles)
        self._watch()
        self._arrange()
        self.run_button.description = button_description

        initial: dict[str, Any] = request.to_dict() if request is not None else {}
        initial.update(fields)
        initial.setdefault("model", "kling-v1")
        initial.setdefault("prompt", "")
        self._fill(initial)

    # -- construction: one builder per field family -------------------------------------------

    def _build_model_and_prompt(self, styles: Styles) -> None:
        plain, dstyle, tstyle = styles.plain, styles.dropdown, styles.text
        families = [(FAMILY_LABELS[f], f) for f in _FAMILIES] + [("Other (type a name)", "generic")]
        self.family = tagged(
            w.Dropdown(
                options=families, value="kling", description="Family", style=dstyle, layout=plain
            ),
            "vw-family",
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
        self.prompt = tagged(
            w.Textarea(
                description="Prompt",
                placeholder="Describe the video: subject, action, setting, camera, light…",
                rows=4,
                style=tstyle,
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
                style=tstyle,
                layout=w.Layout(width="100%"),
            ),
            "vw-negative-prompt",
        )
        self.seed = tagged(
            w.Text(
                description="Seed",
                placeholder="random",
                style=tstyle,
                layout=plain,
                continuous_update=False,
            ),
            "vw-seed",
        )
        # An icon, not the 🎲 emoji: headless and minimal Linux browsers lack emoji fonts.
        self.dice = tagged(
            w.Button(icon="random", tooltip="Pick a random seed", layout=plain), "vw-dice"
        )
        self.dice.on_click(lambda _b: self.roll_seed())
        self.seed_box = w.HBox([self.seed, self.dice])

    def _build_choices(self, styles: Styles) -> None:
        self._choice = {spec[0]: Choice(spec, styles, self._on_choice_text) for spec in CHOICES}
        self._choice["duration"].parse = int_or_text
        self._duration, self._size = self._choice["duration"], self._choice["size"]
        self._aspect, self._resolution = self._choice["aspect_ratio"], self._choice["resolution"]
        self._mode = self._choice["mode"]
        self.duration, self.size = self._duration.dropdown, self._size.dropdown
        self.aspect_ratio = self._aspect.dropdown
        self.resolution, self.mode = self._resolution.dropdown, self._mode.dropdown

    def _expose_image(self) -> None:
        image = self._image
        self.image_url, self.image_upload, self.image_name = image.url, image.upload, image.name
        self.image_clear, self.image_box = image.clear_button, image.box
        self.image_clear.on_click(lambda _b: self.clear_image())
        self.image_upload.observe(self._on_upload, "value")

    def _expose_advanced(self) -> None:
        adv = self._advanced
        self.cfg_enabled, self.cfg_scale, self.cfg_row = adv.cfg_enabled, adv.cfg_scale, adv.cfg_row
        self.camera_type, self.camera_axis = adv.camera_type, adv.camera_axis
        self.camera_amount, self.camera_row = adv.camera_amount, adv.camera_row
        self.movement, self.bgm = adv.movement, adv.bgm
        self.advanced_box, self.advanced = adv.box, adv.accordion

    def _build_footer(self, styles: Styles) -> None:
        # One error label, moved next to whichever field the error is about.
        self.field_error = styles.label("vw-field-error")
        self._error_group = ""
        self.run_button = tagged(
            w.Button(
                description="Generate", button_style="primary", icon="play", layout=styles.plain
            ),
            "vw-generate",
        )
        self.run_button.on_click(self._on_run_click)
        self._style_html = tagged(w.HTML(_FORM_CSS, layout=w.Layout(display="none")), "vw-style")

    def _watch(self) -> None:
        self.family.observe(self._on_family, "value")
        self.model.observe(self._on_model, "value")
        self.custom_model.observe(self._on_model, "value")
        watched: list[w.Widget] = [self.prompt, self.negative_prompt, self.seed, self.image_url]
        watched += self._advanced.inputs()
        for choice in self._choices():
            watched += choice.widgets()
        for widget in watched:
            widget.observe(self._on_field, "value")

    def _on_choice_text(self, text: w.Text) -> None:
        text.observe(self._on_field, "value")
        self._arrange()

    def _choices(self) -> tuple[Choice, ...]:
        return tuple(self._choice.values())

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
        with self._quiet():
            self._image.clear()
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
            self._select_model(str(values.get("model") or "kling-v1"))
            if reset:
                self._reset_fields()
            self._fill_text(values)
            fill_choices(self._choice, values)
            if "image" in values:
                self._image.set(values["image"])
            self._advanced.fill(values)
            if "metadata" in values:
                # Not a form field: carried through unchanged so assigning a request loses nothing.
                self._metadata = dict(values["metadata"] or {})
            unknown = sorted(set(values) - _FORM_FIELDS - {"metadata"})
            if unknown:
                raise ValidationError(
                    unknown[0],
                    values[unknown[0]],
                    "a field the form offers (set metadata through the client)",
                    model=self._spec.name,
                )
        self._validate()

    def _fill_text(self, values: Mapping[str, Any]) -> None:
        if "prompt" in values:
            self.prompt.value = values["prompt"] or ""
        if "negative_prompt" in values:
            self.negative_prompt.value = values["negative_prompt"] or ""
        if "seed" in values:
            self.seed.value = "" if values["seed"] is None else str(values["seed"])

    def _reset_fields(self) -> None:
        self.prompt.value = ""
        self.negative_prompt.value = ""
        self.seed.value = ""
        self._metadata = {}
        self._configure(self._spec, keep=False)
        self._image.clear()
        self._advanced.reset()

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
        hide(self.model, family == "generic")
        hide(self.custom_model, family != "generic")

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
            configure_choices(self._choice, spec, keep=keep)
            hide(self.negative_prompt, not spec.uses_negative_prompt)
            hide(self.seed_box, not spec.uses_seed)
            hide(self.image_url, spec.image == "none")
            hide(self.image_box, spec.image == "none")
            self.image_url.description = "Image *" if spec.image == "required" else "Image"
            self._advanced.configure(spec)

    # -- building and validating ----------------------------------------------------------------

    def _fields(self) -> dict[str, Any]:
        spec = self._spec
        name = self.custom_model.value.strip() if self.family.value == "generic" else spec.name
        fields: dict[str, Any] = {"model": name or "", "prompt": self.prompt.value}
        if spec.uses_negative_prompt and self.negative_prompt.value.strip():
            fields["negative_prompt"] = self.negative_prompt.value
        if spec.uses_seed and self.seed.value.strip():
            fields["seed"] = int_or_text(self.seed.value.strip())
        duration = self._duration.value
        if duration is not None:
            key = "seconds" if spec.endpoint == "videos" else "duration"
            fields[key] = str(duration) if key == "seconds" else duration
        for choice in (self._size, self._aspect, self._resolution, self._mode):
            if choice.value is not None:
                fields[choice.name] = choice.value
        if spec.image != "none" and self._image.value is not None:
            fields["image"] = self._image.value
        fields.update(self._advanced.fields(spec))
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
            self._show_error(exc)
        else:
            self._request = request
            self.field_error.value = ""
            self._error_group = ""
            self.error_field = ""
            self.error = ""
            self.valid = True
        self._arrange()
        self.run_button.disabled = not self.valid

    def _show_error(self, exc: ValidationError) -> None:
        self._request = None
        field = exc.field.split(".")[0]
        text = _error_text(exc, prompt=str(self.prompt.value))
        self.field_error.value = text
        self._error_group = _ERROR_GROUPS.get(field, field)
        if self._error_group not in {g for g, _ in self._groups()}:
            self._error_group = "other"
        self.error_field = exc.field
        self.error = text
        self.valid = False

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
        with self._quiet():
            self._image.take_upload(items[0])
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


def _error_text(exc: ValidationError, *, prompt: str) -> str:
    field = exc.field.split(".")[0]
    if field == "prompt" and not prompt.strip():
        return "Describe the video to enable Generate."
    if field == "model" and not str(exc.value or "").strip():
        return "Type a model name."
    # The message repeats the value; a long prompt would drown the part that says what to do.
    if len(repr(exc.value)) > 40:
        where = f" for {exc.model}" if exc.model else ""
        text = f"{exc.field} is not allowed{where}: {exc.allowed}"
    else:
        text = exc.message
    return text + (f" — {exc.hint}" if exc.hint else "")
