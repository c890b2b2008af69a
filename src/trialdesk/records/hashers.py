"""A cheap Argon2 parameter set for the test suite only: same algorithm and code path, less memory and time."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class TestArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 1024
    parallelism = 1
