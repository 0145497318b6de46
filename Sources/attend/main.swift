import AttendCLI

AttendCommand.main()
