"""Production entry point: `gunicorn bot.wsgi:app`."""
import gc

from bot.app import create_app

app = create_app()
# What start-up loaded (jieba's dictionary above all, ~280,000 objects) lives as long as the
# worker: frozen out of the collector's sight, a full collection takes 0 ms instead of ~65 ms
# that some member's reply would wait for. (Only here: tests create many apps in one process.)
gc.freeze()
