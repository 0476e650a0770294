"""Every key binding, for the help screen and the command palette (which offers each action)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from textual.actions import parse
from textual.binding import Binding, BindingsMap
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.markup import escape
from textual.screen import Screen

# Bindings that exist for the machinery, not for people to look up.
_HIDDEN_ACTIONS = {"command_palette", "help_quit", "explain_read_only", "screen.copy_text"}


@dataclass(frozen=True)
class KeyAction:
    """One described action and the keys that run it."""

    keys: tuple[str, ...]
    description: str
    help: str
    action: str
    namespace: DOMNode
    group: str
    enabled: bool
    unavailable: str | None

    @property
    def key_text(self) -> str:
        return " / ".join(self.keys)

    async def run(self) -> None:
        """Run the action as its key would; explain instead when it is unavailable."""
        if self.enabled:
            await self.namespace.app.run_action(self.action, self.namespace)
        elif self.unavailable:
            self.namespace.app.notify(self.unavailable, title="Unavailable", severity="warning", markup=False)


def key_actions(screen: Screen[object]) -> list[KeyAction]:
    """Described bindings of the app, the screen and the console's own widgets on it.

    A pane's context key that runs a screen action (`screen.promote`) is listed once, with the
    screen's action, its keys merged.
    """
    app = screen.app
    nodes: list[DOMNode] = [screen, app]
    nodes += [widget for widget in screen.query("*") if type(widget).__module__.startswith("tui.")]
    found: dict[tuple[int, str], KeyAction] = {}
    for node in nodes:
        own = None if node in (screen, app) else _own_actions(node)
        for binding in bindings_of(node):
            if not binding.description or binding.system or binding.action in _HIDDEN_ACTIONS:
                continue
            if own is not None and binding.action not in own:
                continue  # inherited from a Textual widget: navigation, listed by the help screen
            target, name, params = _target(node, binding.action)
            slot = (id(target), name)
            display = app.get_key_display(binding)
            if slot in found:
                previous = found[slot]
                if display not in previous.keys:
                    found[slot] = _with_key(previous, display)
                continue
            state = target.check_action(name, params)
            if state is False:
                continue
            reason_of = getattr(target, "unavailable_reason", None)
            found[slot] = KeyAction(
                keys=(display,),
                description=binding.description,
                help=binding.tooltip or binding.description,
                action=binding.action,
                namespace=target,
                group=getattr(target, "HELP_GROUP", type(target).__name__),
                enabled=bool(state),
                unavailable=None if state else (reason_of(name) if reason_of else "not available now"),
            )
    return list(found.values())


def bindings_of(node: DOMNode) -> list[Binding]:
    """The bindings a node's classes declare, most derived first, each key separately."""
    return class_bindings(type(node))


def class_bindings(node_type: type[DOMNode], own_only: bool = False) -> list[Binding]:
    """The bindings a class and its bases declare, most derived first, each key separately.

    `own_only`: only those the console's classes declare, not Textual's.
    """
    seen: set[tuple[str, str]] = set()
    result: list[Binding] = []
    for cls in node_type.__mro__:
        if own_only and not cls.__module__.startswith("tui."):
            continue
        declared = cls.__dict__.get("BINDINGS")
        if not declared:
            continue
        for bindings in BindingsMap(declared).key_to_bindings.values():
            for binding in bindings:
                if (binding.key, binding.action) not in seen:
                    seen.add((binding.key, binding.action))
                    result.append(binding)
    return result


def _own_actions(node: DOMNode) -> set[str]:
    """Actions bound by the console's own classes (not by the Textual widgets they extend)."""
    return {
        binding.action if isinstance(binding, Binding) else binding[1]
        for cls in type(node).__mro__
        if cls.__module__.startswith("tui.")
        for binding in cls.__dict__.get("BINDINGS", [])
    }


def _with_key(action: KeyAction, key: str) -> KeyAction:
    return KeyAction(**{**action.__dict__, "keys": (*action.keys, key)})


def _target(node: DOMNode, action: str) -> tuple[DOMNode, str, tuple[object, ...]]:
    namespace, name, params = parse(action)
    if namespace == "app":
        return node.app, name, params
    if namespace == "screen":
        return node.screen if not isinstance(node, Screen) else node, name, params
    return node, name, params


class ActionsProvider(Provider):
    """Offers every action of the screen the palette was opened on, with its key."""

    def _actions(self) -> Iterator[KeyAction]:
        yield from key_actions(self.screen)

    @staticmethod
    def _help(action: KeyAction) -> str:
        text = f"{action.help} · key {action.key_text}"
        return escape(f"{text} — {action.unavailable}" if action.unavailable else text)

    async def discover(self) -> Hits:
        for action in self._actions():
            yield DiscoveryHit(action.description, partial(action.run), help=self._help(action))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in self._actions():
            haystack = f"{action.description} {action.help}"
            score = matcher.match(haystack)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(action.description),
                    partial(action.run),
                    help=self._help(action),
                )
