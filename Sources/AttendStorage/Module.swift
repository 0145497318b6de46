// module AttendStorage
