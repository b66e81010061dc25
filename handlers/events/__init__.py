"""活动: the annual activity guide, registration, the waitlist, fees and check-in at the door.

chat.py          what the member asks: the guide by month or type, registering, cancelling (registered by handlers/__init__.py)
guide.py         the guide's sheet, how dates read, what a question asks for, promotion from the waitlist
registration.py  registering: a seat or the waitlist, refused when cancelled, closed or already registered
export.py        the guide as files the secretariat hands on: .xlsx, Markdown, HTML
fees.py          what registering for an event costs today (content/event_fees.toml)
check_in.py      the code a registrant shows at the door, and what staff get when they scan it
"""
