"""Configuration: dev defaults, production strictness, one clear line for a bad value."""
import subprocess
import sys

import pytest

from bot.config import ConfigError, load_config


def test_development_defaults_need_no_settings(tmp_path):
    config = load_config({"BOT_DATA_DIR": str(tmp_path)})
    assert config.dev_mode
    assert len(config.encoding_aes_key) == 43
    assert config.replay_window_seconds == 300
    assert config.max_body_bytes == 64 * 1024
    assert config.sqlite_path.parent == tmp_path


@pytest.mark.parametrize("name,value,words", [
    ("WECHAT_ENCODING_AES_KEY", "short", "43"),
    ("WECHAT_TOKEN", "has space", "WECHAT_TOKEN"),
    ("REDIS_URL", "localhost:6379", "REDIS_URL"),
    ("WECHAT_API_BASE", "api.weixin.qq.com", "WECHAT_API_BASE"),
    ("BOT_REPLAY_WINDOW", "five", "BOT_REPLAY_WINDOW"),
    ("BOT_REPLY_BUDGET", "-1", "BOT_REPLY_BUDGET"),
])
def test_bad_value_is_named(name, value, words):
    with pytest.raises(ConfigError) as error:
        load_config({name: value})
    assert words in str(error.value)
    assert "\n" not in str(error.value)


def test_production_refuses_missing_secrets():
    with pytest.raises(ConfigError, match="WECHAT_TOKEN"):
        load_config({"BOT_ENV": "production"})


def test_cli_reports_bad_value_in_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "worker", "--burst"],
        env={"WECHAT_ENCODING_AES_KEY": "tooshort", "BOT_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "WECHAT_ENCODING_AES_KEY must be 43" in result.stderr
    assert "Traceback" not in result.stderr
