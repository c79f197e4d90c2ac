"""The needs pages: the lists (`pages`), one need (`detail`), the moves (`actions`), the export."""
