"""A short scenario through a client generated from docs/api.yaml by openapi-python-client.

Every step checks the status, the typed result and the headers the contract declares; the
first mismatch raises, so CI fails loudly. Usage: python python_client_scenario.py BASE_URL
(with the generated package `agora_client` importable).
"""

import secrets
import sys
from http import HTTPStatus

from agora_client import AuthenticatedClient, Client
from agora_client.api.auth import login, logout, register
from agora_client.api.posts import create_post, get_post, list_posts, update_post
from agora_client.api.users import me
from agora_client.models import (
    LoginRequest,
    PostPage,
    PostRequest,
    PostResponse,
    Problem,
    ProblemCode,
    RegisterRequest,
    TokenResponse,
    UserResponse,
)


def expect(response, status, kind, step):
    if response.status_code != status or not isinstance(response.parsed, kind):
        raise SystemExit(
            f"{step}: wanted {int(status)} {kind.__name__}, got {int(response.status_code)} "
            f"{type(response.parsed).__name__}: {response.content[:300]!r}"
        )
    if "x-request-id" not in response.headers:
        raise SystemExit(f"{step}: no X-Request-Id")
    return response.parsed


def expect_problem(response, status, code, step):
    problem = expect(response, status, Problem, step)
    if problem.code != code or not isinstance(problem.code, ProblemCode):
        raise SystemExit(f"{step}: wanted code {code!r}, got {problem.code!r}")
    return problem


def main(base):
    anonymous = Client(base_url=base, raise_on_unexpected_status=True)
    tag = secrets.token_hex(4)
    password = f"scenario {secrets.token_hex(12)}"
    account = RegisterRequest(username=f"py-{tag}", email=f"py-{tag}@example.com", password=password)

    created = register.sync_detailed(client=anonymous, body=account)
    user = expect(created, HTTPStatus.CREATED, UserResponse, "register")
    if created.headers.get("location") != f"/api/users/{user.id}":
        raise SystemExit(f"register: Location {created.headers.get('location')!r}")

    again = RegisterRequest(username=account.username, email=f"other-{tag}@example.com", password=password)
    expect_problem(register.sync_detailed(client=anonymous, body=again), HTTPStatus.CONFLICT, ProblemCode.USERNAME_TAKEN, "409")

    invalid = RegisterRequest(username=f"bad-{tag}", email="not an email", password=password)
    problem = expect_problem(
        register.sync_detailed(client=anonymous, body=invalid), HTTPStatus.UNPROCESSABLE_ENTITY, ProblemCode.VALIDATION_FAILED, "422"
    )
    if not problem.errors or problem.errors[0].field != "email":
        raise SystemExit(f"422: wanted a field error on email, got {problem.errors!r}")

    logged_in = login.sync_detailed(client=anonymous, body=LoginRequest(email=account.email, password=password))
    tokens = expect(logged_in, HTTPStatus.OK, TokenResponse, "login")
    if "set-cookie" not in logged_in.headers or "ratelimit" not in logged_in.headers:
        raise SystemExit("login: Set-Cookie and RateLimit are declared but missing")
    client = AuthenticatedClient(base_url=base, token=tokens.access_token, raise_on_unexpected_status=True)

    whoami = expect(me.sync_detailed(client=client), HTTPStatus.OK, UserResponse, "me")
    if whoami.id != user.id:
        raise SystemExit("me: another account")

    posts = []
    for n in range(3):
        response = create_post.sync_detailed(client=client, body=PostRequest(title=f"Post {n} {tag}", body="Hello"))
        posts.append(expect(response, HTTPStatus.CREATED, PostResponse, "create post"))
        if response.headers.get("location") != f"/api/posts/{posts[-1].id}" or "etag" not in response.headers:
            raise SystemExit("create post: Location and ETag are declared but missing")

    first = expect(list_posts.sync_detailed(client=client, author_id=user.id, limit=2), HTTPStatus.OK, PostPage, "list page 1")
    if len(first.items) != 2 or not isinstance(first.next_cursor, str):
        raise SystemExit(f"list page 1: {len(first.items)} items, cursor {first.next_cursor!r}")
    second = expect(
        list_posts.sync_detailed(client=client, author_id=user.id, limit=2, cursor=first.next_cursor), HTTPStatus.OK, PostPage, "list page 2"
    )
    seen = [p.id for p in first.items + second.items]
    if len(second.items) != 1 or sorted(map(str, seen)) != sorted(str(p.id) for p in posts):
        raise SystemExit(f"list page 2: pages do not cover the three posts exactly once: {seen}")

    post = posts[0]
    read = get_post.sync_detailed(post.id, client=client)
    expect(read, HTTPStatus.OK, PostResponse, "get post")
    etag = read.headers["etag"]
    not_modified = get_post.sync_detailed(post.id, client=client, if_none_match=etag)
    if not_modified.status_code != HTTPStatus.NOT_MODIFIED or not_modified.headers.get("etag") != etag:
        raise SystemExit(f"conditional GET: wanted 304 with the same ETag, got {int(not_modified.status_code)}")

    edit = PostRequest(title=f"Edited {tag}", body="Hello again")
    updated = update_post.sync_detailed(post.id, client=client, body=edit, if_match=etag)
    expect(updated, HTTPStatus.OK, PostResponse, "PUT with If-Match")
    if updated.headers.get("etag") in (None, etag):
        raise SystemExit("PUT with If-Match: wanted a new ETag")
    stale = update_post.sync_detailed(post.id, client=client, body=edit, if_match=etag)
    expect_problem(stale, HTTPStatus.PRECONDITION_FAILED, ProblemCode.PRECONDITION_FAILED, "stale If-Match")

    # No body: the generated method still labels the request application/json.
    ended = logout.sync_detailed(client=client)
    if ended.status_code != HTTPStatus.NO_CONTENT:
        raise SystemExit(f"logout with no body: {int(ended.status_code)} {ended.content[:300]!r}")
    expect_problem(me.sync_detailed(client=client), HTTPStatus.UNAUTHORIZED, ProblemCode.SESSION_REVOKED, "me after logout")
    print("python client scenario: every step matched the contract")


if __name__ == "__main__":
    main(sys.argv[1])
