"""What the suite itself runs to observe a target: the alert webhook receiver."""
