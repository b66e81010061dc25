"""What the provincial association (省科协) gets from one deployment serving every society.

    guide.py       the annual activity guide (《年度活动指南》) from the approved filings: grouped
                   by month and discipline; the public page's view, Excel and Word files
    filing.py      a society files its year's events (备案); the province approves or returns them
    sending.py     previews (预告) of approved activities and province-wide notices, queued to each
                   society's members through that society's own delivery (its quotas, its records)
    evaluation.py  per-society indicators from each society's own data, weighted and graded (等次)
    hosts.py       past one machine: every host answers for its own societies, the province puts
                   the answers together (one host: answered here, as before)
    common.py      what they share: the province's settings and words, the registry opened and closed

No chat side: members meet the province only through what their own society's account sends.
Its records: storage/province.py (in the registry file, storage/societies.py); its words:
content/province.toml and content/replies/province.toml; its CLI group `python -m bot province`
(bot/commands/province.py); its console pages under /admin/province (bot/admin/province.py); the
public guide at /m/province/guide (bot/pages/province.py).
"""
