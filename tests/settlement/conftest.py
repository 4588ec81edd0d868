from tests.policies.conftest import catalog, pricing_day  # noqa: F401 - shared fixtures
