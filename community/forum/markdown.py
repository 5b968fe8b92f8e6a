"""Members write Markdown; we render it once, on write, to sanitised HTML.

CommonMark with raw HTML off, bare links made clickable, images shown as links (no embeds:
nothing loads from elsewhere when a post is read), and everything passed through nh3 so only a
small set of tags survives and links carry ``rel="nofollow ugc noopener"``.
"""

import re
from html import escape
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
LINK_REL = "nofollow ugc noopener"
URL_SCHEMES = {"http", "https", "mailto"}

MENTION = re.compile(r"(?<![\w@/])@([A-Za-z0-9_-]{3,30})(?![\w-])")


def _render_image_as_link(
    renderer: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = renderer.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escape(src)}">{escape(alt)}</a>'


_md = MarkdownIt("commonmark", {"html": False, "linkify": True}).enable(
    ["linkify", "strikethrough", "table"]
)
_md.add_render_rule("image", _render_image_as_link)


def render_markdown(source: str) -> str:
    """Markdown source to the sanitised HTML we store and serve."""
    html = _md.render(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        link_rel=LINK_REL,
        url_schemes=URL_SCHEMES,
        strip_comments=True,
    )


def _text_tokens(tokens: list[Token]) -> Any:
    for token in tokens:
        if token.type in ("code_inline", "code_block", "fence"):
            continue
        if token.children:
            yield from _text_tokens(token.children)
        elif token.type == "text":
            yield token.content


def mentioned_usernames(source: str) -> list[str]:
    """``@names`` in the text (not inside code), lower-cased, in order, without repeats."""
    names: dict[str, None] = {}
    for text in _text_tokens(_md.parse(source)):
        for match in MENTION.finditer(text):
            names.setdefault(match.group(1).lower(), None)
    return list(names)
