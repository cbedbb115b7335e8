"""Cut the Chinese characters the course uses out of Noto Sans CJK SC into a small font.

    .venv/bin/python scripts/make_cjk_font.py [--source PATH]

Figures (matplotlib) and the offline site need a font with the Chinese
exchange terms (穿仓, 爆仓, 强平价格, ...) or they show boxes where no CJK font
is installed, as on Binder. Instead of asking every machine for a 90 MB font
package, this keeps only the characters that appear in the course (notebooks,
glossary, perpmath, workshop kit, README) plus ASCII, from Debian's
``fonts-noto-cjk`` (``NotoSansCJK-Regular.ttc`` and ``-Bold.ttc``, the
Simplified Chinese face), and writes ``perpmath/plots/fonts/NotoSansCJKsc-course.otf``
and ``NotoSansCJKsc-course-bold.otf`` beside the font's
licence (SIL Open Font License 1.1, which allows subsetting and redistribution
under the same licence; the subset keeps the font's name and copyright
notice). ``tests/test_fonts.py`` fails when a Chinese character used by the
course is missing from the subset: run this script again then.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
TARGET = ROOT / "perpmath" / "plots" / "fonts" / "NotoSansCJKsc-course.otf"
# Bold too: figure titles are bold, and matplotlib warns when a weight is missing.
BOLD_SOURCE = SOURCE.with_name("NotoSansCJK-Bold.ttc")
BOLD_TARGET = TARGET.with_name("NotoSansCJKsc-course-bold.otf")
FAMILY = "Noto Sans CJK SC"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
SCANNED = ("course", "perpmath", "workshop", "README.md", "site/templates")
SUFFIXES = {".ipynb", ".md", ".py", ".j2", ".json"}


def course_characters(root: Path = ROOT) -> str:
    """Every CJK character (and CJK punctuation) in the course's text files, sorted."""
    found: set[str] = set()
    for name in SCANNED:
        base = root / name
        files = [base] if base.is_file() else base.rglob("*")
        for path in files:
            if path.is_file() and path.suffix in SUFFIXES and "_build" not in path.parts:
                found |= set(CJK.findall(path.read_text(encoding="utf-8", errors="ignore")))
    return "".join(sorted(found))


def make(source: Path = SOURCE, target: Path = TARGET) -> Path:
    """Write the subset font with ASCII and the course's CJK characters; return its path."""
    collection = TTCollection(str(source))
    faces = [f for f in collection.fonts if f["name"].getDebugName(1) == FAMILY]
    if not faces:
        raise SystemExit(f"{source} has no face named {FAMILY!r}")
    font = faces[0]
    text = "".join(chr(c) for c in range(0x20, 0x7F)) + course_characters()
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(target))
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="NotoSansCJK-Regular.ttc")
    args = parser.parse_args()
    bold = args.source.with_name(BOLD_SOURCE.name)
    for path in (make(args.source), make(bold, BOLD_TARGET)):
        print(f"{path.relative_to(ROOT)}: {len(course_characters())} CJK characters, "
              f"{path.stat().st_size / 1024:.0f} KB")  # fmt: skip


if __name__ == "__main__":
    main()
