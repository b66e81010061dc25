"""What the server log holds: a secret quoted in an exception (requests puts the URL it failed on,
AppSecret included, into its message; a library may quote a key) and a member's mobile never reach it."""
import io
import logging

import requests

from bot.privacy import MaskMobileFilter


def logged(during) -> str:
    """What the bot's own log handler writes while `during` runs."""
    [handler] = [h for h in logging.getLogger().handlers if any(isinstance(f, MaskMobileFilter) for f in h.filters)]
    out = io.StringIO()
    before = handler.setStream(out)
    try:
        during()
    finally:
        handler.setStream(before)
    return out.getvalue()


def test_a_secret_in_an_exception_message_does_not_reach_the_log(app, config):
    def fail():
        log = logging.getLogger("bot.test")
        try:
            raise requests.exceptions.ConnectionError(
                "HTTPSConnectionPool(host='api.weixin.qq.com'): Max retries exceeded with url: /cgi-bin/token"
                f"?grant_type=client_credential&appid={config.app_id}&secret={config.app_secret}")
        except requests.RequestException:
            log.exception("access token for 13812345678 not fetched")
        try:
            raise ValueError(f"could not decrypt with {config.encoding_aes_key}")
        except ValueError:
            log.exception("message refused")
        log.warning("retrying with token %s", config.wechat_token)

    text = logged(fail)
    assert "Max retries exceeded" in text and "could not decrypt" in text and "retrying with token" in text
    for secret in (config.app_secret, config.encoding_aes_key, config.wechat_token, "13812345678"):
        assert secret not in text
    assert "secret=***" in text and "138****5678" in text


def test_a_worker_process_logs_through_the_same_filter(env, config, monkeypatch):
    """`python -m bot worker` (delivery, token fetches, periodic jobs): where WeChat's errors are met."""
    from click.testing import CliRunner

    from bot.cli import main

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [h for h in root.handlers
                                           if not any(isinstance(f, MaskMobileFilter) for f in h.filters)])

    def a_job_fails(config, burst):
        try:
            raise requests.exceptions.ConnectionError(f"Max retries exceeded with url: /cgi-bin/token?secret={config.app_secret}")
        except requests.RequestException:
            logging.getLogger("rq.worker").exception("delivery job failed")

    monkeypatch.setattr("bot.workers.run_worker", a_job_fails)
    result = CliRunner().invoke(main, ["worker", "--burst"], env=env, catch_exceptions=False)
    assert "delivery job failed" in result.stderr and "Max retries exceeded" in result.stderr
    assert config.app_secret not in result.stderr and "secret=***" in result.stderr
