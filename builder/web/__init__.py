"""The web app for clinic staff: routes and templates over the same library the CLI calls."""
