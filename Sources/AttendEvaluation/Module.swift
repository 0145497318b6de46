// module AttendEvaluation
