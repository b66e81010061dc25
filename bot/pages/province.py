"""The province's public annual activity guide: anyone may open it, no WeChat sign-in (it is
published, as the reform plan asks), on a phone or a desktop; with its Excel and Word files."""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import abort, render_template, send_file

from bot.pages import pages
from bot.pages.auth import public
from bot.pages.common import config, redis_client, render, today
from bot.platform.shards import HostsUnavailable
from handlers.province.common import say
from handlers.province.guide import column_labels, compile_province_guide, export, subtitle

DOWNLOADS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
YEARS_SHOWN = range(-1, 2)  # links to last year's and next year's guide


def _guide(year: int):
    if not 2000 <= year <= 2100:
        abort(404)
    return compile_province_guide(config(), redis_client(), year)


@pages.errorhandler(HostsUnavailable)
def hosts_unavailable(_error):
    """A host that did not answer: the guide would miss its societies' activities, so none is shown."""
    return render("error.html", 503, message_key="errors.hosts_unavailable")


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
