#!/usr/bin/env python3
"""The structure of an HTML report, for golden tests: one line per element with its id, class,
role, scope and data-* attributes, indented by depth; the contents of <style> and <script>, the
text of the page and the time it was written are left out, so that a golden changes when the
structure changes, not when a colour or a sentence does. Headings, captions and table headers
keep their text: they say what a part is.

Usage: html_outline.py FILE.html  (the outline on standard output)"""
import html.parser
import sys

KEPT = ("id", "class", "role", "scope", "colspan", "hidden", "open", "download", "for", "type", "lang")
TEXT_OF = {"h1", "h2", "h3", "h4", "caption", "th", "summary", "title", "option", "label", "dt"}
VOID = {"meta", "link", "br", "hr", "img", "input", "col", "wbr", "source", "area", "base", "embed", "track",
        "path", "rect"}


class Outline(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines = []
        self.stack = []
        self.skip = 0  # inside <style> or <script>

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self.lines.append("  " * len(self.stack) + f"<{tag}>")
            self.skip += 1
            return
        parts = [tag]
        for name, value in attrs:
            if name in KEPT or name.startswith("data-"):
                if name == "href":
                    continue
                parts.append(name if value is None else f'{name}="{value}"')
            elif name == "href" and value is not None:
                # Where a link goes matters; a data: URI's bytes do not.
                parts.append('href="' + (value.split(",")[0] + ",..." if value.startswith("data:") else value) + '"')
        self.lines.append("  " * len(self.stack) + "<" + " ".join(parts) + ">")
        if tag not in VOID:
            self.stack.append([tag, len(self.lines) - 1, ""])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self.skip -= 1
            return
        while self.stack:
            name, line, text = self.stack.pop()
            if name in TEXT_OF and text.strip():
                self.lines[line] += " " + " ".join(text.split())
            if name == tag:
                break

    def handle_data(self, data):
        if self.skip or not self.stack:
            return
        for item in self.stack:
            if item[0] in TEXT_OF:
                item[2] += data


def main():
    parser = Outline()
    with open(sys.argv[1], encoding="utf-8") as page:
        parser.feed(page.read())
    parser.close()
    sys.stdout.write("\n".join(parser.lines) + "\n")


if __name__ == "__main__":
    main()
