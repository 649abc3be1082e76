print("acpd")
