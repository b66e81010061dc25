"""Production entry point: `gunicorn --preload bot.wsgi:app` (deploy/systemd/xuehui-web.service).

With --preload the gunicorn master runs this module once and forks the web workers from it:
jieba's dictionary, OpenCC, pypinyin, the router's lexicon and model and content/ are loaded
here (bot.app.warm_up) and shared by every worker, copy-on-write, instead of loaded again in
each (about 175 MiB private per worker before). Nothing here opens a Redis or SQLite
connection or starts a thread (tests/test_preload.py): redis-py connects on the first command,
SQLite connections are per thread in the worker, the handler pool starts its threads on the
first message, so each worker makes its own after the fork. Without --preload each worker
runs this itself, as before.
"""
import os

# numpy's OpenBLAS starts a thread per core when it is imported (the router's model uses numpy),
# here in the master before the fork; the model's one small product a message needs none.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import gc  # noqa: E402

# No collection while start-up loads (300,000 objects that all live as long as the process): the
# collector found next to nothing to free and took a sixth of the start's CPU (~0.28 s). Python's
# documented pattern for a server that forks: disable early, freeze before the fork.
gc.disable()

from bot.app import create_app  # noqa: E402

app = create_app()
# What start-up loaded lives as long as the process: frozen out of the collector's sight, a full
# collection takes 0 ms instead of ~65 ms that some member's reply would wait for, and (forked from
# the master under --preload) the collector never writes to those objects' pages, so they stay
# shared between the workers. Then the collector is on again for what the workers allocate.
# (Only here: tests create many apps in one process.)
gc.freeze()
gc.enable()
