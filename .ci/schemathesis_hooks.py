"""Schemathesis hooks for `.ci/schemathesis.sh`: bearer authentication that survives the fuzzer.

The fuzzer calls every operation, including the ones that end its own credentials: logout,
logout-all, ending its sessions, deleting its own account. Rather than excluding them, the token
comes from this provider: the first is the one the script obtained through the API; when a
request answers 401, schemathesis asks for a new token and replays the request once. A new token
is a fresh login, and when the account itself is gone (deleted by the fuzzer), a fresh
registration first.
"""

import os
import uuid

import requests
import schemathesis

BASE_URL = os.environ["AGORA_FUZZ_URL"]
TIMEOUT = 10


def _login(email: str, password: str) -> str | None:
    response = requests.post(
        f"{BASE_URL}/api/auth/login",
        json={"email": email, "password": password},
        timeout=TIMEOUT,
    )
    if response.status_code == 401:
        return None
    response.raise_for_status()
    return response.json()["access_token"]


def _register(email: str, password: str) -> None:
    username = "fuzz-" + uuid.uuid4().hex[:12]
    response = requests.post(
        f"{BASE_URL}/api/auth/register",
        json={"username": username, "email": email, "password": password},
        timeout=TIMEOUT,
    )
    response.raise_for_status()


@schemathesis.auth(refresh_interval=600, retry_on=[401])
class AgoraBearer:
    def __init__(self) -> None:
        self.email = os.environ["AGORA_FUZZ_EMAIL"]
        self.password = os.environ["AGORA_FUZZ_PASSWORD"]
        self.initial = os.environ.get("AGORA_FUZZ_TOKEN")
        self.can_register = os.environ.get("AGORA_FUZZ_REREGISTER", "1") == "1"

    def get(self, case, context):
        if self.initial:
            token, self.initial = self.initial, None
            return token
        token = _login(self.email, self.password)
        if token is None and self.can_register:
            # The fuzzer deleted the account: open a new one under a new address.
            self.email = f"fuzz-{uuid.uuid4().hex[:12]}@example.com"
            _register(self.email, self.password)
            token = _login(self.email, self.password)
        if token is None:
            raise RuntimeError(f"cannot log in as {self.email}")
        return token

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
