"""The needs pages (issue 3). Lists in `pages`, one need in `needs`, the moves in `actions`."""
