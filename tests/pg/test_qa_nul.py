"""PostgreSQL cannot store NUL in text: every surface answers 400, never 500."""

from __future__ import annotations

import pytest

from tests.conftest import login_client
from tests.web.test_qa_input import nul_requests


@pytest.mark.parametrize("index", range(6))
def test_nul_characters_never_reach_postgresql(pg_app, counter_setup, make_user, index):
    s = counter_setup(points=500)
    coordinator = make_user("coordinator", community=s.community)
    client = pg_app.test_client()
    login_client(client, coordinator)
    method, path, kwargs = nul_requests(s)[index]
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code in (302, 400)
