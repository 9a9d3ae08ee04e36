"""The scanning web app for childcare staff at the door (``/scan/``): offline first."""
