"""Third-party device wire formats Silverguard speaks (and ``firmware_sim`` emulates)."""
