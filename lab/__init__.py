"""Scenario Lab core: settings, records, accounts and roles, the app factory and the CLI."""
