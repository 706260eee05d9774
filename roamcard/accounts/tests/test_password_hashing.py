"""Passwords are hashed with Argon2 in every real environment; only the test settings
swap in a fast hasher. Each settings module is loaded in a fresh interpreter."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

HASH_A_PASSWORD = (
    # Settings are read lazily; hashing needs no app registry, so no django.setup().
    "from django.contrib.auth.hashers import make_password;"
    "print(make_password('Roaming-in-Kyoto-24'))"
)


@pytest.mark.parametrize("module", ["config.settings.base", "config.settings.production"])
def test_base_and_production_settings_hash_with_argon2(module, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": module,
        "SECRET_KEY": "production-like-secret-" + "k" * 40,
        "ROAMCARD_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", HASH_A_PASSWORD],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip().startswith("argon2$argon2id$")
