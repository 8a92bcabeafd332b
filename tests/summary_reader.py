"""Reads a `gam-infra preview --summary` back, as GitHub would render it: CommonMark with
GFM tables and strikethrough. Fails on any markup or HTML the summary did not mean."""

from __future__ import annotations

from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
MARKUP_TOKENS = {"em_open", "strong_open", "link_open", "image", "s_open", "html_inline"}
ALLOWED_HTML = {"<details>", "</details>"}


@dataclass
class Section:
    """A `###` section: its paragraphs and tables (each row: cell text by header)."""

    paragraphs: list[str] = field(default_factory=list)
    tables: list[list[dict[str, str]]] = field(default_factory=list)
    subsections: list[str] = field(default_factory=list)


def _is_summary(line: str) -> bool:
    inner = line.removeprefix("<summary>").removesuffix("</summary>")
    return len(inner) == len(line) - len("<summary></summary>") and not set("<>") & set(inner)


def text(inline: Token) -> str:
    """What a reader sees of an inline run: text and code spans, no markup."""
    return "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))


def _markup(inline: Token) -> set[str]:
    return {c.type for c in inline.children or []} & MARKUP_TOKENS


def parse(markdown: str) -> tuple[str, dict[str, Section]]:
    """The `##` title and the `###` sections of a summary (`""`: the text before them)."""
    tokens = PARSER.parse(markdown)
    title, sections = "", {"": Section()}  # "": before the first section
    current = sections[""]
    header: list[str] = []
    row: list[str] = []
    for i, token in enumerate(tokens):
        if token.type == "html_block":
            lines = token.content.strip().splitlines()
            assert all(line in ALLOWED_HTML or _is_summary(line) for line in lines), token.content
            continue
        if token.type != "inline":
            if token.type == "table_open":
                current.tables.append([])
                header = []
            continue
        headline = current is sections[""]  # the only place with (bold) markup of its own
        assert not _markup(token) - ({"strong_open"} if headline else set()), token.content
        opener = tokens[i - 1]
        if opener.type == "heading_open":
            if opener.tag == "h2":
                title = text(token)
            elif opener.tag == "h3":
                current = sections.setdefault(text(token), Section())
            else:
                current.subsections.append(text(token))
        elif opener.type == "paragraph_open":
            current.paragraphs.append(text(token))
        elif opener.type == "th_open":
            header.append(text(token))
        elif opener.type == "td_open":
            row.append(text(token))
            if tokens[i + 1].type == "td_close" and tokens[i + 2].type == "tr_close":
                assert len(row) == len(header), (header, row)
                current.tables[-1].append(dict(zip(header, row, strict=True)))
                row = []
    return title, sections
