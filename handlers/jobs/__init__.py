"""招聘: the job board a member searches, and the keyword alerts he subscribes to.

chat.py      what the member asks: search, detail, "更多", alerts (registered by handlers/__init__.py)
board.py     how a question finds postings: filters, relaxation when nothing matches
filters.py   the filters a question names: city, discipline, education, pay
text.py      how job text becomes search terms (the router's tokenizer, words inside words)
postings.py  checking a posting from a sheet or the console before it is stored
alerts.py    the periodic job: alert digests and expiring postings
"""
