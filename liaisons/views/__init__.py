"""The needs pages. Lists in `pages`, one need in `needs`, the moves in `actions`."""
