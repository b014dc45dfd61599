print("fault suite: not yet written")
