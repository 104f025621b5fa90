"""ParameterForm: the fields of a VideoRequest, offered per model.

Which fields appear and which values they allow come from the client's model table
(``vidwidgets.client.MODELS``), the same rules ``VideoRequest`` validates with, so the
form never offers what the API would reject. Every change rebuilds the request; a
``ValidationError`` is shown next to the field it names and disables the run button.
Which models are offered is the picker's business (``_model_picker``): the catalog, or the
ones a key can use once ``load_models(client)`` has read them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import random
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, cast

import ipywidgets as w
import traitlets

from vidwidgets.client import (
    MAX_SEED,
    MODELS,
    AvailableModel,
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
    PromptFields,
    SeedField,
    SoundField,
    Styles,
    configure_choices,
    fill_choices,
    int_or_text,
    remove_files,
    tagged,
)
from vidwidgets.widgets._model_picker import GENERIC, LOADING_NOTE, ModelPicker, read_models

__all__ = ["ParameterForm"]

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
    The model picker offers the catalog's models by vendor; with ``client=`` (or after
    ``load_models(client)``) it offers the ones the client's key can use, read in the background.
    """

    valid = traitlets.Bool(False, help="True when the fields make a valid request.")
    error = traitlets.Unicode("", help="Why the request is invalid ('' when valid).")
    error_field = traitlets.Unicode("", help="The request field the error is about.")

    def __init__(
        self,
        request: VideoRequest | None = None,
        *,
        client: Any = None,
        show_button: bool = True,
        button_description: str = "Generate",
        **fields: Any,
    ) -> None:
        super().__init__()
        self.add_class("vw-form")
        self._filling = 0
        self._spec: ModelSpec = MODELS["kling-v1"]
        self._submit_callbacks: list[Callable[[VideoRequest], Any]] = []
        self._change_callbacks: list[Callable[[VideoRequest], Any]] = []
        self._beside_button: list[w.Widget] = []
        self._button_row: w.HBox | None = None
        self._request: VideoRequest | None = None
        self._metadata: dict[str, Any] = {}
        self._show_button = show_button
        self.models_task: asyncio.Future[Any] | concurrent.futures.Future[Any] | None = None

        styles = Styles()
        self._build_model_and_prompt(styles)
        self._build_choices(styles)
        self._image = ImageField(styles)
        self._end_image = ImageField(styles, "end-image", "Last frame")
        weakref.finalize(self, remove_files, self._image.owned_files)
        weakref.finalize(self, remove_files, self._end_image.owned_files)
        self._expose_images()
        self._sound = SoundField(styles)
        self.audio, self.audio_url = self._sound.switch, self._sound.url
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
        if client is not None:
            self.load_models(client)

    # -- construction: one builder per field family -------------------------------------------

    def _build_model_and_prompt(self, styles: Styles) -> None:
        self._picker = ModelPicker(styles)
        self.family, self.model = self._picker.family, self._picker.model
        self.custom_model, self.model_note = self._picker.custom_model, self._picker.note
        self._text = PromptFields(styles)
        self.prompt, self.char_count = self._text.prompt, self._text.char_count
        self.negative_prompt = self._text.negative_prompt
        self._seed = SeedField(styles)
        self.seed, self.dice = self._seed.seed, self._seed.dice
        self.seed_box, self.seed_note = self._seed.box, self._seed.note
        self.dice.on_click(lambda _b: self.roll_seed())

    def _build_choices(self, styles: Styles) -> None:
        self._choice = {spec[0]: Choice(spec, styles, self._on_choice_text) for spec in CHOICES}
        self._choice["duration"].parse = int_or_text
        self._duration, self._size = self._choice["duration"], self._choice["size"]
        self._aspect, self._resolution = self._choice["aspect_ratio"], self._choice["resolution"]
        self._mode = self._choice["mode"]
        self.duration, self.size = self._duration.dropdown, self._size.dropdown
        self.aspect_ratio = self._aspect.dropdown
        self.resolution, self.mode = self._resolution.dropdown, self._mode.dropdown

    def _expose_images(self) -> None:
        image, end = self._image, self._end_image
        self.image_url, self.image_upload, self.image_name = image.url, image.upload, image.name
        self.image_clear, self.image_box = image.clear_button, image.box
        self.end_image_url, self.end_image_upload = end.url, end.upload
        self.end_image_name, self.end_image_clear = end.name, end.clear_button
        self.end_image_box = end.box
        self.image_clear.on_click(lambda _b: self.clear_image())
        self.end_image_clear.on_click(lambda _b: self.clear_image(end=True))
        self.image_upload.observe(lambda c: self._on_upload(image, c), "value")
        self.end_image_upload.observe(lambda c: self._on_upload(end, c), "value")

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
        watched: list[w.Widget] = [self.prompt, self.negative_prompt, self.seed]
        watched += [self.image_url, self.end_image_url, *self._sound.inputs()]
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
            ("model", self._picker.widgets()),
            ("prompt", [self.prompt, self.char_count]),
            ("negative_prompt", [self.negative_prompt]),
        ]
        groups += [(c.name, c.widgets()) for c in self._choices()]
        groups += [
            ("seed", self._seed.widgets()),
            ("image", self._image.widgets()),
            ("end_image", self._end_image.widgets()),
            ("audio", self._sound.inputs()),
            ("advanced", [self.advanced]),
            ("other", []),
        ]
        if self._show_button:
            row = [self._button_row] if self._button_row is not None else [self.run_button]
            groups.append(("button", row))
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

    @property
    def available_models(self) -> tuple[str, ...] | None:
        """The models the key can use, as the picker offers them (None: the catalog's)."""
        return self._picker.available

    def on_submit(self, callback: Callable[[VideoRequest], Any]) -> None:
        """Call ``callback(request)`` when the run button is clicked with valid input."""
        self._submit_callbacks.append(callback)

    def on_change(self, callback: Callable[[VideoRequest], Any]) -> None:
        """Call ``callback(request)`` whenever the fields make a new valid request."""
        self._change_callbacks.append(callback)

    def place_beside_button(self, widget: w.Widget) -> None:
        """Show ``widget`` on the run button's row (the Studio's price of the next run)."""
        self._beside_button.append(widget)
        self._button_row = w.HBox([self.run_button, *self._beside_button])
        self._button_row.add_class("vw-button-row")
        self._arrange()

    def roll_seed(self) -> int:
        """Fill the seed with a random value (the dice button)."""
        value = random.randint(0, MAX_SEED)
        self.seed.value = str(value)
        return value

    def clear_image(self, *, end: bool = False) -> None:
        """Remove the first frame (or, with ``end=True``, the last frame)."""
        with self._quiet():
            (self._end_image if end else self._image).clear()
        self._validate()

    # -- the models the key can use -------------------------------------------------------------

    def load_models(
        self, client: Any, loop: asyncio.AbstractEventLoop | None = None
    ) -> asyncio.Future[Any] | concurrent.futures.Future[Any]:
        """Read the models ``client``'s key can use in the background and offer those.

        The picker keeps the catalog until the answer arrives, and keeps it (with a note) when
        the gateway has no ``GET /v1/models`` or the read fails. Runs on ``loop`` (default: the
        running loop, else vidwidgets' background loop); the returned future ends when the
        picker has changed (``form.models_task`` is the same future).

        Args:
            client: A ``VideoClient`` (anything with an async ``models()``).
            loop: The loop ``client`` works on.

        Returns:
            The task (or, from another thread, a ``concurrent.futures.Future``).
        """
        if self.models_task is not None:
            self.models_task.cancel()  # an older key's answer must not land after this one's
        self._picker.set_note(LOADING_NOTE)
        self.models_task = read_models(client, loop, self.offer_models, self.offer_catalog)
        return self.models_task

    def offer_models(self, models: Sequence[AvailableModel | str]) -> None:
        """Offer exactly ``models`` (what ``await client.models()`` answered), by vendor.

        When the chosen model is not among them the first of its vendor (or the first
        listed) is chosen instead, and the note under the picker says so.

        Args:
            models: ``AvailableModel`` items or bare model names; none at all falls back to
                the catalog.

        Example:
            >>> form = ParameterForm(model="kling-v1", prompt="a fox")
            >>> form.offer_models(["kling-v2-master", "viduq1"]); form.model_name
            'kling-v2-master'
        """
        listed = [m if isinstance(m, AvailableModel) else AvailableModel(m) for m in models]
        if not listed:
            self.offer_catalog("This key lists no models: showing the catalog.")
            return
        current = self._current_model()
        with self._quiet():
            self._picker.use_available(listed, f"{len(listed)} models this key can use.")
            chosen = self._picker.replacement(current)
            self._show_model(chosen)
        self._apply_spec(get_model_spec(chosen))
        self._validate()

    def offer_catalog(self, note: str = "") -> None:
        """Offer every catalog model again, keeping the chosen one.

        Args:
            note: Shown under the picker ('' hides the note).
        """
        current = self._current_model()
        with self._quiet():
            self._picker.use_catalog(note)
            self._show_model(current)
        self._validate()

    def _current_model(self) -> str:
        if self.family.value == GENERIC:
            return str(self.custom_model.value).strip()
        return str(self.model.value or "")

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
            self._text.fill(values)
            self._seed.fill(values)
            fill_choices(self._choice, values)
            for name, image in (("image", self._image), ("end_image", self._end_image)):
                if name in values:
                    image.set(values[name])
            self._sound.fill(values)
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

    def _reset_fields(self) -> None:
        self._text.fill({"prompt": "", "negative_prompt": ""})
        self._seed.fill({"seed": None})
        self._metadata = {}
        self._configure(self._spec, keep=False)
        self._image.clear()
        self._end_image.clear()
        self._sound.reset()
        self._advanced.reset()

    def _select_model(self, name: str) -> None:
        name = name.strip()
        with self._quiet():
            self._show_model(name)
        self._apply_spec(get_model_spec(name))

    def _show_model(self, name: str) -> None:
        """Put ``name`` in the picker: its vendor, then it (kept even when not listed)."""
        group = self._picker.group_of(name)
        self._picker.show_group(group, keep=None if group == GENERIC else name)
        if group == GENERIC:
            self.custom_model.value = name
        else:
            self.model.value = name

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
            self._text.configure(spec)
            self._seed.configure(spec)
            self._image.show(spec.image != "none", required=spec.image == "required")
            self._end_image.show(spec.end_frame and spec.image != "none")
            self._sound.configure(spec)
            self._advanced.configure(spec)

    # -- building and validating ----------------------------------------------------------------

    def _fields(self) -> dict[str, Any]:
        spec = self._spec
        fields: dict[str, Any] = {"model": self._current_model(), **self._text.fields(spec)}
        fields.update(self._seed.fields(spec))
        duration = self._duration.value
        if duration is not None:
            key = "seconds" if spec.endpoint == "videos" else "duration"
            fields[key] = str(duration) if key == "seconds" else duration
        for choice in (self._size, self._aspect, self._resolution, self._mode):
            if choice.value is not None:
                fields[choice.name] = choice.value
        if spec.image != "none" and self._image.value is not None:
            fields["image"] = self._image.value
        if spec.end_frame and self._end_image.value is not None:
            fields["end_image"] = self._end_image.value
        fields.update(self._sound.fields(spec))
        fields.update(self._advanced.fields(spec))
        if self._metadata:
            fields["metadata"] = self._metadata
        return fields

    def _build_request(self) -> VideoRequest:
        return VideoRequest(**self._fields())

    def _validate(self) -> None:
        if self._filling:
            return
        self._text.count(self._spec.max_prompt_chars)
        try:
            request = self._build_request()
        except ValidationError as exc:
            self._show_error(exc)
        else:
            changed = request != self._request
            self._request = request
            self.field_error.value = ""
            self._error_group = ""
            self.error_field = ""
            self.error = ""
            self.valid = True
            if changed:
                for callback in list(self._change_callbacks):
                    callback(request)
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
            first = self._picker.first(family)
            self._picker.show_group(family, keep=first)
            if first is not None:
                self.model.value = first
        name = first if first is not None else self.custom_model.value.strip() or "custom-model"
        self._apply_spec(get_model_spec(name))
        self._validate()

    def _on_model(self, change: Mapping[str, Any]) -> None:
        if self._filling or not change["new"]:
            if not self._filling and self.family.value == GENERIC:
                self._validate()
            return
        name = str(change["new"]).strip()
        spec = get_model_spec(name)
        if change["owner"] is self.custom_model and self._picker.group_of(name) != GENERIC:
            # A model the picker lists, typed by hand: jump to its vendor so its rules apply.
            with self._quiet():
                self.custom_model.value = ""
            self._select_model(name)
        else:
            self._apply_spec(spec)
        self._validate()

    def _on_field(self, _change: Mapping[str, Any]) -> None:
        self._validate()

    def _on_upload(self, image: ImageField, change: Mapping[str, Any]) -> None:
        items = change["new"]
        if not items:
            return
        with self._quiet():
            image.take_upload(items[0])
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
    "end_image",
    "audio",
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
