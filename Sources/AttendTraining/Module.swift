// module AttendTraining
