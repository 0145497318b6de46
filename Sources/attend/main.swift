import AttendCLI
