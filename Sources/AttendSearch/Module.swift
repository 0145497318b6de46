// module AttendSearch
