"""The action server: selects and renders referral-dataset text for each turn."""
