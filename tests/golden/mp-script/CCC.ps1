# Sets the SMS 2003 Advanced Client's management point to SMS02, for clients that reach
# only TCP 80 (KB 826852). Site CCC (clients of secondary site CCC are assigned to BBB). Same COM call as the KB's VBScript.
$smsClient = New-Object -ComObject Microsoft.SMS.Client
$smsClient.SetCurrentManagementPoint('SMS02', 0)
[void][System.Runtime.InteropServices.Marshal]::ReleaseComObject($smsClient)
