' Sets the SMS 2003 Advanced Client's management point to SMS01, for clients that reach
' only TCP 80 (KB 826852). Site AAA. Run with cscript on each client.
Dim oSMSClient
Set oSMSClient = CreateObject("Microsoft.SMS.Client")
oSMSClient.SetCurrentManagementPoint "SMS01", 0
Set oSMSClient = Nothing
