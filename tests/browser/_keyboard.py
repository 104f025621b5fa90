"""Keyboard reachability: every visible control of a widget is reached by pressing Tab.

axe-core checks names, roles and contrast, not whether a person without a mouse can get to a
control. `assert_tab_reaches_every_control` focuses the widget's first control, presses Tab as
a person would, and fails naming each visible, enabled control the focus never landed on (a
``tabindex="-1"``, a ``div`` with a click handler and no ``tabindex``, a focus trap, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

#: what a person can operate: native controls, links, and elements given an interactive role
CONTROLS = (
    "button, input:not([type=hidden]), select, textarea, a[href], "
    "[role=button], [role=slider], [role=checkbox], [role=radio], [role=tab], [role=switch]"
)

# Marks every visible, enabled control of the widget with data-vw-kb = its index and returns
# how many there are, with a short description of each for the failure message.
_MARK_JS = """([root, selector]) => {
  const shown = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  const controls = [...root.querySelectorAll(selector)].filter((e) => shown(e) && !e.disabled);
  return controls.map((e, i) => {
    e.dataset.vwKb = String(i);
    const name = e.getAttribute('aria-label') || e.title || e.textContent.trim() || e.name || '';
    return `<${e.tagName.toLowerCase()} class="${e.className}"> ${name.slice(0, 40)}`;
  });
}"""
_ACTIVE_JS = "() => { const e = document.activeElement; return e ? e.dataset.vwKb ?? null : null; }"


def assert_tab_reaches_every_control(page: Page, root: Locator, what: str = "the widget") -> None:
    """Press Tab from the widget's first control until the focus leaves it; all must be reached.

    Raises:
        AssertionError: Naming every visible, enabled control that Tab never focused.
    """
    controls: list[str] = page.evaluate(_MARK_JS, [root.first.element_handle(), CONTROLS])
    assert controls, f"{what} has no controls to reach"
    root.first.locator('[data-vw-kb="0"]').focus()
    reached = {"0"}
    # a few presses more than there are controls: a widget may hold focusable wrappers too
    for _ in range(len(controls) + 5):
        page.keyboard.press("Tab")
        index = page.evaluate(_ACTIVE_JS)
        if index is None and not root.first.evaluate("(r) => r.contains(document.activeElement)"):
            break  # the focus has left the widget
        if index is not None:
            reached.add(index)
    missed = [c for i, c in enumerate(controls) if str(i) not in reached]
    print(f"{what}: Tab reached {len(reached)} of {len(controls)} controls")
    assert not missed, f"Tab never reaches these controls of {what}:\n" + "\n".join(missed)
