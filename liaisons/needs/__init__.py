"""The needs sub-domain: its states and workflow table (`choices`, `workflow`) and the services
that carry out each move (`services`, split by stage)."""
