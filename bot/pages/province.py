"""The province's public annual activity guide: anyone may open it, no WeChat sign-in (it is
published, as the reform plan asks), on a phone or a desktop; with its Excel and Word files."""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import abort, render_template, send_file

from bot.pages import pages
from bot.pages.auth import public
from bot.pages.common import config, today
from handlers.province.common import registry, say
from handlers.province.guide import column_labels, compile_guide, export, subtitle

DOWNLOADS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
YEARS_SHOWN = range(-1, 2)  # links to last year's and next year's guide


def _guide(year: int):
    if not 2000 <= year <= 2100:
        abort(404)
    with registry(config()) as opened:
        return compile_guide(opened, year)


@pages.get("/province/guide")
@public
def province_guide():
    return province_guide_of(today().year)


@pages.get("/province/guide/<int:year>")
@public
def province_guide_of(year: int):
    guide = _guide(year)
    return render_template("pages/province_guide.html", guide=guide, say=say, subtitle=subtitle(guide),
                           years=[year + step for step in YEARS_SHOWN if step], columns=column_labels())


@pages.get("/province/guide/<int:year>.<any(xlsx, docx):suffix>")
@public
def province_guide_file(year: int, suffix: str):
    guide = _guide(year)
    folder = tempfile.TemporaryDirectory()
    path = Path(folder.name) / f"guide-{year}.{suffix}"
    export(guide, path)
    response = send_file(path, mimetype=DOWNLOADS[suffix], as_attachment=True,
                         download_name=f"{guide.title}.{suffix}")
    response.call_on_close(folder.cleanup)
    return response
