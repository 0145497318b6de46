// module AttendCLI
