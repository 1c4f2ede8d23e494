"""The quality gate (METHOD 9): measures, suites, release, the steward report."""
