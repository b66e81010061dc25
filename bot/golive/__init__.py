"""Going live on a real account: menu, templates, the doctor (issue 17)."""
