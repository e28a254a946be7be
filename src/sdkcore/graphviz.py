"""Pictures for both SDKs: quoting for DOT and Mermaid, Graphviz's `dot` for SVG and PNG, and the notebook bundle.

Mermaid and DOT text need nothing installed. SVG and PNG run Graphviz (`dot`, or `neato` for pinned layouts)
from PATH; without it they raise `GraphvizNotFoundError`, which says how to install it.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Literal

__all__ = [
    "PICTURE_FORMATS",
    "TEXT_FORMATS",
    "GraphvizError",
    "GraphvizNotFoundError",
    "Picture",
    "dot_id",
    "dot_label",
    "graphviz_available",
    "mermaid_label",
    "mimebundle",
    "run_graphviz",
]

Picture = Literal["svg", "png"]
PICTURE_FORMATS = ("svg", "png")
TEXT_FORMATS = ("mermaid", "dot")
INSTALL_HINT = (
    "install Graphviz (Debian/Ubuntu: `apt-get install graphviz`; macOS: `brew install graphviz`; "
    "https://graphviz.org/download/), or render to mermaid or dot, which need nothing installed"
)
_TIMEOUT_SECONDS = 60.0
_STDERR_EXCERPT = 2000


class GraphvizError(RuntimeError):
    """Graphviz failed to draw the picture (its message is kept, shortened)."""


class GraphvizNotFoundError(GraphvizError):
    """Graphviz is not installed (its `dot` or `neato` is not on PATH)."""


def graphviz_available(program: str = "dot") -> bool:
    return shutil.which(program) is not None


def run_graphviz(source: str, fmt: Picture, *, program: str = "dot", timeout: float = _TIMEOUT_SECONDS) -> bytes:
    """`source` (DOT) drawn as SVG or PNG by Graphviz's `program` (`dot`, or `neato` for pinned positions)."""
    if fmt not in PICTURE_FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(PICTURE_FORMATS)}, got {fmt!r}")
    executable = shutil.which(program)
    if executable is None:
        raise GraphvizNotFoundError(f"drawing {fmt} needs Graphviz's `{program}` on PATH: {INSTALL_HINT}")
    try:
        done = subprocess.run([executable, f"-T{fmt}"], input=source.encode(), capture_output=True,
                              timeout=timeout, check=False)  # fmt: skip
    except subprocess.TimeoutExpired:
        raise GraphvizError(f"Graphviz's `{program}` did not finish within {timeout:g} s") from None
    except OSError as error:
        raise GraphvizError(f"Graphviz's `{program}` could not run: {error}") from None
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode(errors="replace").strip()[:_STDERR_EXCERPT]
        raise GraphvizError(f"Graphviz's `{program}` failed (exit {done.returncode}): {message}")
    return done.stdout


def dot_id(text: str) -> str:
    """`text` as a quoted DOT ID or label (quotes and backslashes escaped, newlines as DOT line breaks)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")
    return f'"{escaped}"'


def dot_label(*lines: str) -> str:
    """A quoted DOT label of several centred lines."""
    return dot_id("\n".join(line for line in lines if line))


def mermaid_label(text: str) -> str:
    """`text` as a quoted Mermaid label: double quotes and the characters Mermaid reads as markup are entities."""
    replaced = (text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
                .replace("\n", "<br/>"))  # fmt: skip
    return f'"{replaced}"'


def mimebundle(dot: str, mermaid: str, text: str, *, program: str = "dot") -> dict[str, str]:
    """What a notebook shows: SVG when Graphviz is installed, Mermaid markdown otherwise, and `text` as plain text."""
    bundle = {"text/plain": text}
    if graphviz_available(program):
        try:
            bundle["image/svg+xml"] = run_graphviz(dot, "svg", program=program).decode()
            return bundle
        except GraphvizError:
            pass
    bundle["text/markdown"] = f"```mermaid\n{mermaid}\n```"
    return bundle
