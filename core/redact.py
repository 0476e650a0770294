"""Keep secrets out of what core prints: endpoint URLs may carry user:password@."""

from __future__ import annotations

import re

# scheme://userinfo@ — the userinfo may hold a password (http://user:secret@host).
_USERINFO_RE = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^\s/?#]*@")


def redact_secrets(text: str) -> str:
    """`text` with the userinfo of every URL in it replaced by ***: http://***@host:4566."""
    return _USERINFO_RE.sub(r"\g<scheme>***@", text)
