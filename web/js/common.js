// common.js — shared by every page of the dancu web UI: the Vietnamese /
// English dictionary and toggle, the page header, a fetch wrapper for the
// JSON API (problem+json errors become messages), and a generic renderer
// for JSON answers (objects as definition lists, arrays of objects as
// tables) so a page keeps working when an API adds a field.

const DICT = {
  'app.name': ['dancu — Dân cư quốc gia', 'dancu — National population register'],
  'nav.home': ['Trang chủ', 'Home'],
  'nav.citizen': ['Công dân', 'Citizen'],
  'nav.officer': ['Cán bộ', 'Officer'],
  'nav.rp': ['Tổ chức khai thác', 'Relying party'],
  'nav.dashboard': ['Thống kê', 'Dashboard'],
  'lang.toggle': ['English', 'Tiếng Việt'],
  'home.title': ['Cổng dịch vụ dân cư và định danh điện tử', 'Population and e-identity services'],
  'home.citizen': ['Xem thông tin của bạn, thẻ CCCD, nơi cư trú, ai đã truy cập dữ liệu của bạn, các ứng dụng bạn đã đồng ý.', 'See your record, ID card, residence, who accessed your data, and the apps you consented to.'],
  'home.officer': ['Đăng ký khai sinh, khai tử, thủ tục cư trú, hàng đợi trùng lặp, lưu trú, cấp thẻ.', 'Birth and death registration, residence procedures, duplicate review, stays, card issuance.'],
  'home.rp': ['Xác thực thông tin theo lô bằng khóa API, tải kết quả, xem mức sử dụng.', 'Batch verification with an API key, result download, usage.'],
  'home.dashboard': ['Số liệu Đề án 06 theo tỉnh, thành phố.', 'Project 06 figures by province.'],
  'open': ['Mở', 'Open'],
  'login': ['Đăng nhập', 'Log in'],
  'logout': ['Đăng xuất', 'Log out'],
  'submit': ['Gửi', 'Submit'],
  'search': ['Tìm', 'Search'],
  'load': ['Tải', 'Load'],
  'none': ['Không có dữ liệu.', 'Nothing here.'],
  'error': ['Lỗi', 'Error'],
  'notyet': ['Chức năng này chưa có trên máy chủ.', 'This is not available on the server yet.'],
  'c.title': ['Cổng công dân', 'Citizen portal'],
  'c.intro': ['Đăng nhập bằng tài khoản định danh điện tử (VNeID) để xem thông tin của bạn.', 'Log in with your e-ID account to see your data.'],
  'c.login': ['Đăng nhập bằng định danh điện tử', 'Log in with e-ID'],
  'c.record': ['Thông tin của tôi', 'My record'],
  'c.me': ['Hồ sơ, cư trú, thẻ', 'Record, residence, card'],
  'c.tracker': ['Ai đã truy cập dữ liệu của tôi', 'Who accessed my data'],
  'c.consents': ['Ứng dụng đã được đồng ý', 'Apps I consented to'],
  'c.revoke': ['Thu hồi', 'Revoke'],
  'c.revoked': ['Đã thu hồi đồng ý.', 'Consent withdrawn.'],
  'c.logins': ['Lịch sử đăng nhập', 'Login history'],
  'c.me.record': ['Thông tin công dân', 'Citizen record'], 'c.me.residence': ['Cư trú', 'Residence'],
  'c.me.household': ['Hộ gia đình', 'Household'], 'c.me.card': ['Thẻ căn cước', 'Identity card'],
  'c.me.qr': ['Mã QR in trên thẻ', 'QR code printed on the card'],
  'c.me.eid': ['Tài khoản định danh điện tử', 'e-ID account'],
  'c.lock': ['Khóa tài khoản định danh', 'Lock my e-ID account'],
  'c.lock.note': ['Nếu bạn nghi ngờ tài khoản bị lộ: khóa ngay; mọi phiên đăng nhập bị thu hồi. Mở khóa tại cơ quan công an.', 'If you think your account is compromised: lock it now; every session is revoked. Unlocking is done at a police office.'],
  'c.lock.confirm': ['Khóa tài khoản định danh điện tử của bạn?', 'Lock your e-ID account?'],
  'c.lock.done': ['Tài khoản đã bị khóa.', 'The account is locked.'],
  'c.services': ['Dịch vụ công trực tuyến', 'Online public services'], 'c.service': ['Thủ tục', 'Procedure'],
  'c.svcdata': ['Thông tin hồ sơ (JSON)', 'Dossier data (JSON)'], 'c.svcsubmit': ['Nộp hồ sơ', 'Submit the dossier'],
  'c.submitted': ['Đã nộp hồ sơ', 'Dossier submitted'], 'c.view': ['Xem', 'View'],
  'c.linked': ['liên thông', 'linked'], 'c.deceased': ['Số định danh của người mất', "The deceased's ID number"],
  'c.tempcommune': ['Xã tạm trú (mã)', 'Temporary commune (code)'], 'c.tempaddress': ['Địa chỉ tạm trú', 'Temporary address'],
  'c.steps': ['Các bước liên thông', 'Steps of the linked procedure'], 'c.history': ['Lịch sử xử lý', 'History'],
  'c.payments': ['Thanh toán', 'Payments'],
  'f.service': ['Thủ tục', 'Procedure'], 'f.applicant': ['Người nộp', 'Applicant'], 'f.subject': ['Người được giải quyết', 'Subject'],
  'f.channel': ['Kênh', 'Channel'], 'f.commune': ['Xã', 'Commune'], 'f.province': ['Tỉnh', 'Province'], 'f.queue': ['Nơi xử lý', 'Handled by'],
  'f.parent': ['Hồ sơ gốc', 'Parent'], 'f.step': ['Bước', 'Step'], 'f.submitted_ms': ['Ngày nộp', 'Submitted'],
  'f.deadline_ms': ['Hạn giải quyết', 'Deadline'], 'f.closed_ms': ['Ngày hoàn thành', 'Closed'], 'f.overdue': ['Quá hạn', 'Overdue'],
  'f.fee_vnd': ['Lệ phí (đ)', 'Fee (VND)'], 'f.paid_vnd': ['Đã nộp (đ)', 'Paid (VND)'], 'f.result': ['Kết quả', 'Result'],
  'f.from': ['Từ', 'From'], 'f.to': ['Sang', 'To'], 'f.note': ['Ghi chú', 'Note'],
  'o.public': ['Dịch vụ công', 'Public services'], 'o.to': ['Chuyển sang trạng thái', 'Move to state'], 'o.note': ['Ghi chú', 'Note'],
  'd.login': ['Số liệu thống kê dành cho cán bộ: hãy đăng nhập ở trang Cán bộ trong tab này.', 'Statistics are for officers: log in on the Officer page in this tab.'],
  'c.supplement': ['Bổ sung hồ sơ', 'Add the information asked for'],
  'c.supplement.label': ['Thông tin bổ sung (theo yêu cầu của cán bộ)', 'The information the officer asked for'],
  'c.supplement.file': ['Tệp đính kèm (PDF, JPEG, PNG; không bắt buộc)', 'A document (PDF, JPEG, PNG; optional)'],
  'c.attachments': ['Tệp đính kèm', 'Documents'], 'act.download': ['Tải về', 'Download'],
  'f.content_type': ['Loại tệp', 'Type'], 'f.size': ['Dung lượng (byte)', 'Size (bytes)'],
  'c.supplement.send': ['Gửi bổ sung', 'Send'], 'c.supplement.done': ['Đã gửi bổ sung cho hồ sơ', 'Sent for dossier'],
  'c.pay': ['Lệ phí', 'Fee'], 'c.pay.button': ['Nộp lệ phí', 'Pay'],
  'c.pay.demo': ['(cổng thanh toán thử nghiệm, không trừ tiền thật)', '(demo payment gateway: no real money moves)'],
  'c.pay.done': ['Đã nộp lệ phí. Mã giao dịch:', 'Paid. Transaction reference:'],
  'c.dossiers': ['Hồ sơ thủ tục', 'My dossiers'],
  'c.badstate': ['Phiên đăng nhập không hợp lệ, hãy thử lại.', 'The login did not match this browser session; try again.'],
  'f.name': ['Họ và tên', 'Name'], 'f.gender': ['Giới tính', 'Sex'], 'f.birthdate': ['Ngày sinh', 'Date of birth'],
  'f.address': ['Nơi thường trú', 'Permanent address'], 'f.pin': ['Số định danh cá nhân', 'Personal ID number'],
  'f.dob': ['Ngày sinh', 'Date of birth'], 'f.sex': ['Giới tính', 'Sex'], 'f.status': ['Tình trạng', 'Status'],
  'f.birth_name': ['Họ tên khai sinh', 'Birth name'], 'f.birth_place': ['Nơi sinh', 'Place of birth'],
  'f.origin_place': ['Quê quán', 'Place of origin'], 'f.ethnicity': ['Dân tộc', 'Ethnicity'], 'f.religion': ['Tôn giáo', 'Religion'],
  'f.nationality': ['Quốc tịch', 'Nationality'], 'f.blood_group': ['Nhóm máu', 'Blood group'], 'f.phone': ['Số điện thoại', 'Phone'],
  'f.marital_status': ['Tình trạng hôn nhân', 'Marital status'], 'f.household_id': ['Mã hộ', 'Household'],
  'f.head_relation': ['Quan hệ với chủ hộ', 'Relation to the head'], 'f.head': ['Chủ hộ', 'Head of household'],
  'f.permanent': ['Thường trú', 'Permanent residence'], 'f.temporary': ['Tạm trú', 'Temporary residence'],
  'f.current': ['Nơi ở hiện tại', 'Current address'], 'f.perm_address': ['Địa chỉ thường trú', 'Permanent address'],
  'f.state': ['Trạng thái', 'State'], 'f.level': ['Mức', 'Level'], 'f.kind': ['Loại', 'Kind'],
  'f.issued': ['Ngày cấp', 'Issued'], 'f.expiry': ['Có giá trị đến', 'Valid until'],
  'f.at_ms': ['Thời điểm', 'When'], 'f.client_id': ['Ứng dụng', 'Application'], 'f.scope': ['Phạm vi', 'Scope'],
  'f.ok': ['Thành công', 'Succeeded'], 'f.ip': ['Địa chỉ IP', 'IP address'], 'f.actor': ['Người thực hiện', 'Actor'],
  'f.org': ['Tổ chức', 'Organisation'], 'f.action': ['Hành động', 'Action'], 'f.purpose': ['Mục đích', 'Purpose'],
  'f.fields': ['Trường dữ liệu', 'Fields'], 'f.seq': ['STT', 'No.'], 'f.relation': ['Quan hệ', 'Relation'],
  'f.day': ['Ngày', 'Day'], 'f.requests': ['Yêu cầu', 'Requests'], 'f.rows': ['Số dòng', 'Rows'],
  'f.full_match': ['Khớp hoàn toàn', 'Full match'], 'f.not_found': ['Không tìm thấy', 'Not found'], 'f.refused': ['Bị từ chối', 'Refused'],
  'f.bad_rows': ['Dòng lỗi', 'Bad rows'], 'f.full_match_rate': ['Tỷ lệ khớp hoàn toàn', 'Full-match rate'],
  'f.claimed': ['Đã khai', 'Claimed'], 'f.matched': ['Khớp', 'Matched'], 'f.match_rate': ['Tỷ lệ khớp', 'Match rate'],
  'f.reasons': ['Chi tiết', 'Reasons'], 'f.found': ['Tìm thấy', 'Found'], 'f.deceased': ['Đã mất', 'Deceased'],
  'f.missing': ['Mất tích', 'Missing'], 'f.first_bad_lines': ['Các dòng lỗi đầu tiên', 'First bad lines'],
  'f.exact': ['Chính xác', 'Exact'], 'f.partial': ['Một phần', 'Partial'], 'f.mismatch': ['Không khớp', 'Mismatch'],
  'f.reason': ['Lý do', 'Reason'], 'f.applied_ms': ['Ngày nộp', 'Applied'], 'f.updated_ms': ['Cập nhật', 'Updated'],
  'f.created_ms': ['Ngày tạo', 'Created'], 'f.deadline': ['Hạn giải quyết', 'Deadline'],
  'f.acr': ['Mức định danh', 'Identification level'], 'f.sub': ['Mã chủ thể', 'Subject'],
  'o.title': ['Bảng điều khiển cán bộ', 'Officer console'],
  'o.id': ['Mã cán bộ', 'Officer ID'], 'o.password': ['Mật khẩu', 'Password'], 'o.totp': ['Mã TOTP', 'TOTP code'],
  'o.birth': ['Khai sinh', 'Birth'], 'o.death': ['Khai tử', 'Death'], 'o.dossiers': ['Thủ tục cư trú', 'Residence'],
  'o.reviews': ['Trùng lặp', 'Duplicates'], 'o.stays': ['Lưu trú', 'Stays'], 'o.cards': ['Thẻ CCCD', 'Cards'],
  'o.overdue': ['Quá hạn', 'Overdue'], 'o.eid': ['Định danh mức 2', 'e-ID level 2'],
  'o.birth_name': ['Họ tên khai sinh', 'Birth name'], 'o.dob': ['Ngày sinh', 'Date of birth'], 'o.sex': ['Giới tính', 'Sex'],
  'o.male': ['Nam', 'Male'], 'o.female': ['Nữ', 'Female'],
  'o.unit': ['Nơi đăng ký khai sinh (mã xã)', 'Registering commune (code)'], 'o.perm': ['Xã thường trú (mã)', 'Permanent commune (code)'],
  'o.ethnicity': ['Dân tộc', 'Ethnicity'], 'o.evidence': ['Số giấy tờ (chứng cứ)', 'Evidence reference'],
  'o.father': ['Số định danh của cha', "Father's ID number"], 'o.mother': ['Số định danh của mẹ', "Mother's ID number"],
  'o.mothername': ['Họ tên mẹ', "Mother's name"],
  'o.pin': ['Số định danh', 'ID number'], 'o.death_date': ['Ngày mất', 'Date of death'], 'o.reason': ['Lý do', 'Reason'],
  'o.registered': ['Đã đăng ký. Số định danh:', 'Registered. ID number:'],
  'o.queued': ['Có thể trùng với người đã có: đã chuyển vào hàng đợi xem xét.', 'A likely duplicate: queued for review.'],
  'o.state': ['Trạng thái', 'State'], 'o.kind': ['Loại thủ tục', 'Procedure'], 'o.details': ['Chi tiết (JSON)', 'Details (JSON)'],
  'o.newdossier': ['Nộp hồ sơ mới', 'Submit a dossier'], 'o.day': ['Ngày', 'Day'], 'o.lateonly': ['Chỉ báo muộn', 'Late only'],
  'o.cardkind': ['Loại cấp', 'Kind'], 'o.apply': ['Nộp đơn cấp thẻ', 'File a card application'],
  'o.actions': ['Thao tác', 'Actions'], 'o.done': ['Đã thực hiện.', 'Done.'],
  'o.eid.checked': ['Đã kiểm tra thẻ CCCD gắn chip và khuôn mặt trực tiếp', 'Chip card and face checked in person'],
  'o.eid.reason': ['Lý do (từ chối, khóa, mở khóa)', 'Reason (rejection, lock, unlock)'],
  'act.accept': ['Tiếp nhận', 'Accept'], 'act.request_supplement': ['Yêu cầu bổ sung', 'Ask for more'],
  'act.approve': ['Phê duyệt', 'Approve'], 'act.reject': ['Từ chối', 'Reject'], 'act.view': ['Xem', 'View'],
  'act.create': ['Tạo người mới', 'New person'], 'act.produce': ['Sản xuất', 'Produce'], 'act.deliver': ['Trả thẻ', 'Deliver'],
  'act.revoke': ['Thu hồi', 'Revoke'], 'act.QR': ['Mã QR', 'QR code'],
  'act.transition': ['Chuyển trạng thái', 'Move'], 'o.service': ['Thủ tục', 'Procedure'],
  'st.submitted': ['Đã nộp', 'Submitted'], 'st.received': ['Đã tiếp nhận', 'Received'], 'st.processing': ['Đang xử lý', 'Processing'],
  'st.supplement_requested': ['Yêu cầu bổ sung', 'More information asked for'], 'st.completed': ['Hoàn thành', 'Completed'],
  'st.rejected': ['Từ chối', 'Rejected'], 'st.partial': ['Hoàn thành một phần', 'Partly completed'],
  'st.applied': ['Đã nộp đơn', 'Applied'], 'st.approved': ['Đã phê duyệt', 'Approved'], 'st.produced': ['Đã sản xuất', 'Produced'],
  'st.delivered': ['Đã trả thẻ', 'Delivered'], 'st.revoked': ['Đã thu hồi', 'Revoked'], 'st.replaced': ['Đã thay thế', 'Replaced'],
  'st.active': ['Đang hoạt động', 'Active'], 'st.locked': ['Bị khóa', 'Locked'], 'st.closed': ['Đã đóng', 'Closed'],
  'o.cardq': ['Hàng đợi cấp thẻ', 'Card issuance queue'],
  'o.cardq.note': ['Thẻ của công dân thuộc địa bàn của bạn, cũ nhất trước: phê duyệt → sản xuất → trả thẻ.', 'Cards of citizens in your jurisdiction, oldest first: approve → produce → deliver.'],
  'o.cardq.reason': ['Lý do (khi từ chối)', 'Reason (for a rejection)'],
  'o.cardq.issued': ['Ngày cấp (khi sản xuất)', 'Issue date (when producing)'], 'o.more': ['Trang sau', 'Next page'],
  'cs.applied': ['Đã nộp đơn', 'Applied'], 'cs.approved': ['Đã phê duyệt', 'Approved'], 'cs.produced': ['Đã sản xuất', 'Produced'],
  'cs.delivered': ['Đã trả thẻ', 'Delivered'], 'cs.rejected': ['Bị từ chối', 'Rejected'],
  'es.pending': ['Chờ phê duyệt', 'Pending'], 'es.active': ['Đang hoạt động', 'Active'], 'es.locked': ['Bị khóa', 'Locked'], 'es.all': ['Tất cả', 'All'],
  'act.lock': ['Khóa', 'Lock'], 'act.unlock': ['Mở khóa', 'Unlock'],
  'f.card': ['Thẻ', 'Card'],
  'r.title': ['Tổ chức khai thác dữ liệu', 'Relying-party console'],
  'r.batch': ['Xác thực theo lô', 'Batch verification'],
  'r.key': ['Khóa API', 'API key'], 'r.purpose': ['Mục đích', 'Purpose'], 'r.file': ['Tệp CSV (ref,id_number,name,dob,sex)', 'CSV file (ref,id_number,name,dob,sex)'],
  'r.upload': ['Tải lên và xác thực', 'Upload and verify'], 'r.progress': ['Tiến độ', 'Progress'],
  'r.download': ['Tải kết quả CSV', 'Download the result CSV'], 'r.summary': ['Tổng hợp', 'Summary'], 'r.usage': ['Mức sử dụng', 'Usage'],
  'r.keynote': ['Khóa chỉ được giữ trong tab này (sessionStorage).', 'The key is kept in this tab only (sessionStorage).'],
  'r.keys': ['Khóa API của tổ chức', "The organisation's API keys"],
  'r.keys.note': ['Khóa được lưu dưới dạng băm; chỉ hiện một lần khi tạo. Khóa mới có cùng giới hạn tốc độ với khóa đang dùng.', 'Keys are stored hashed and shown once, when created. A new key has the rate limit of the key in use.'],
  'r.keys.label': ['Tên gợi nhớ của khóa', 'Key label'], 'r.keys.create': ['Tạo khóa mới', 'Create a new key'],
  'r.keys.once': ['Khóa mới — chỉ hiện một lần, hãy lưu lại ngay:', 'The new key — shown once, save it now:'],
  'r.keys.use': ['Dùng khóa này trong tab này', 'Use this key in this tab'], 'r.keys.hide': ['Đã lưu, ẩn khóa', 'Saved: hide the key'],
  'r.keys.confirm': ['Thu hồi khóa này? Mọi hệ thống đang dùng nó sẽ bị từ chối.', 'Revoke this key? Every system using it will be refused.'],
  'r.keys.revoked': ['Đã thu hồi khóa', 'Key revoked'], 'r.keys.gone': ['Khóa đang dùng đã bị thu hồi: hãy đăng nhập bằng khóa khác.', 'The key in use was revoked: log in with another key.'],
  'f.id': ['Mã', 'ID'], 'f.label': ['Tên gợi nhớ', 'Label'], 'f.last_used_ms': ['Dùng lần cuối', 'Last used'],
  'f.revoked_ms': ['Thu hồi lúc', 'Revoked'], 'f.active': ['Hiệu lực', 'Active'], 'f.current': ['Đang dùng', 'In use'],
  'f.created': ['Ngày tạo', 'Created'], 'f.last_used': ['Dùng lần cuối', 'Last used'],
  'f.rate_per_min': ['Giới hạn/phút', 'Limit/minute'],
  'd.title': ['Thống kê Đề án 06', 'Project 06 dashboard'],
  'd.reload': ['Tải số liệu', 'Load the figures'],
  'd.areacode': ['Khu vực (mã tỉnh 2 số hoặc mã xã 5 số; để trống: toàn bộ địa bàn của bạn)', 'Area (a province code of 2 digits or a commune code of 5; empty: all your jurisdiction)'],
  'd.area': ['Số liệu của', 'Figures for'], 'd.national': ['toàn quốc', 'the whole country'],
  's.sec.eid': ['Định danh điện tử', 'Electronic identification'], 's.sec.connected': ['Hệ thống đã kết nối', 'Connected systems'],
  's.sec.cards': ['Thẻ căn cước đã cấp theo tỉnh', 'Identity cards issued per province'],
  's.sec.stays': ['Thông báo lưu trú theo tỉnh', 'Stay notifications per province'],
  's.sec.dossiers': ['Hồ sơ dịch vụ công theo thủ tục', 'Public-service dossiers per procedure'],
  's.sec.verification': ['Xác thực theo tổ chức', 'Verification per organisation'],
  's.sec.quality': ['Chất lượng dữ liệu theo xã', 'Data quality per commune'],
  's.worst': ['điểm thấp nhất', 'lowest scores'],
  's.province': ['Tỉnh', 'Province'], 's.name': ['Tên', 'Name'], 's.cards_issued': ['Thẻ đã cấp', 'Cards issued'],
  's.collected': ['Hồ sơ đã thu nhận', 'Applications collected'], 's.approved': ['Đã phê duyệt', 'Approved'],
  's.activated': ['Đã kích hoạt', 'Activated'], 's.activation_rate': ['Tỷ lệ kích hoạt', 'Activation rate'],
  's.service': ['Thủ tục', 'Procedure'], 's.online': ['Trực tuyến', 'Online'], 's.offline': ['Trực tiếp', 'In person'],
  's.online_share': ['Tỷ lệ trực tuyến', 'Online share'], 's.org': ['Tổ chức', 'Organisation'],
  's.requests': ['Yêu cầu', 'Requests'], 's.rows': ['Số dòng', 'Rows'], 's.full_match': ['Khớp hoàn toàn', 'Full match'],
  's.not_found': ['Không tìm thấy', 'Not found'], 's.refused': ['Bị từ chối', 'Refused'], 's.match_rate': ['Tỷ lệ khớp', 'Match rate'],
  's.stays': ['Lượt lưu trú', 'Stays'], 's.late': ['Báo muộn', 'Reported late'], 's.late_rate': ['Tỷ lệ báo muộn', 'Late rate'],
  's.agencies': ['Cơ quan', 'Agencies'], 's.organisations': ['Tổ chức khai thác', 'Relying parties'],
  's.oidc_clients': ['Ứng dụng OIDC', 'OIDC clients'], 's.total': ['Tổng', 'Total'], 's.commune': ['Xã', 'Commune'],
  's.citizens': ['Công dân', 'Citizens'], 's.fields_checked': ['Trường đã kiểm tra', 'Fields checked'],
  's.fields_present': ['Trường có dữ liệu', 'Fields present'], 's.score': ['Điểm', 'Score'],
  'd.byprov': ['Theo tỉnh, thành phố', 'By province'],
  // Residence procedure forms (officer.html, docs/OPERATIONS.md "Residence procedures").
  'dk.perm_register': ['Đăng ký thường trú', 'Permanent registration'], 'dk.perm_delete': ['Xóa đăng ký thường trú', 'Deletion of permanent residence'],
  'dk.temp_register': ['Đăng ký tạm trú', 'Temporary registration'], 'dk.temp_extend': ['Gia hạn tạm trú', 'Extension of temporary residence'],
  'dk.temp_delete': ['Xóa đăng ký tạm trú', 'Deletion of temporary residence'], 'dk.temp_absence': ['Khai báo tạm vắng', 'Temporary absence'],
  'dk.household_split': ['Tách hộ', 'Household split'], 'dk.household_merge': ['Nhập hộ', 'Household merge'],
  'dk.confirm': ['Xác nhận thông tin về cư trú (CT07)', 'Residence confirmation (CT07)'],
  'dn.commune': ['Xã nơi đăng ký (mã 5 số)', 'Commune of registration (5-digit code)'], 'dn.address': ['Địa chỉ (số nhà, đường, thôn)', 'Street address'],
  'dn.household': ['Hộ gia đình', 'Household'], 'dn.hh.new': ['Lập hộ mới (làm chủ hộ)', 'New household (as its head)'],
  'dn.hh.join': ['Nhập vào hộ đã có', 'Join an existing household'], 'dn.hhid': ['Mã hộ', 'Household ID'],
  'dn.relation': ['Quan hệ với chủ hộ', 'Relation to the head'], 'dn.newhead': ['Số định danh chủ hộ mới (nếu người này đang là chủ hộ)', 'New head’s ID number (if this person heads a household)'],
  'dn.until': ['Tạm trú đến ngày', 'Temporary residence until'], 'dn.pground': ['Căn cứ xóa (Điều 24 khoản 1)', 'Legal ground (Art. 24(1))'],
  'dn.tground': ['Căn cứ xóa (Điều 29 khoản 1)', 'Legal ground (Art. 29(1))'], 'dn.from': ['Từ ngày', 'From'], 'dn.to': ['Đến ngày', 'To'],
  'dn.destination': ['Nơi đến', 'Destination'], 'dn.case': ['Trường hợp (Điều 31 khoản 1)', 'Case (Art. 31(1))'],
  'dn.into': ['Mã hộ nhập vào', 'Household to join'], 'dn.mrelation': ['Quan hệ với chủ hộ mới', 'Relation to the new head'],
  'dn.members': ['Thành viên đi cùng (mỗi dòng: số định danh quan hệ)', 'Members moving along (one per line: ID number relation)'],
  'dn.members.hint': ['Ví dụ: 001099000123 child. Quan hệ: spouse, child, parent, grandchild, grandparent, sibling, child_in_law, other.', 'E.g. 001099000123 child. Relations: spouse, child, parent, grandchild, grandparent, sibling, child_in_law, other.'],
  'dn.advanced': ['Nâng cao: thêm trường (JSON)', 'Advanced: extra fields (JSON)'],
  'dn.missing': ['Chưa điền đúng', 'Missing or invalid'], 'dn.filed': ['Đã nộp hồ sơ', 'Dossier filed'],
  'dn.badlines': ['Dòng thành viên không hợp lệ', 'Invalid member line'],
  'rel.spouse': ['Vợ/Chồng', 'Spouse'], 'rel.child': ['Con', 'Child'], 'rel.parent': ['Cha/Mẹ', 'Parent'], 'rel.grandchild': ['Cháu', 'Grandchild'],
  'rel.grandparent': ['Ông/Bà', 'Grandparent'], 'rel.sibling': ['Anh/Chị/Em', 'Sibling'], 'rel.child_in_law': ['Con dâu/Con rể', 'Child-in-law'], 'rel.other': ['Khác', 'Other'],
  'f.details': ['Chi tiết', 'Details'],
  // e-KYC in the relying-party console (docs/VERIFICATION.md "e-KYC with consent").
  'k.title': ['Xác thực điện tử (e-KYC) có sự đồng ý của công dân', 'e-KYC with the citizen’s consent'],
  'k.note': ['Yêu cầu chỉ được chấp nhận với các thông tin và mục đích theo chính sách của tổ chức; công dân đồng ý hoặc từ chối sau khi đăng nhập định danh điện tử tại đường dẫn phê duyệt.', 'Only the attributes and purposes of the organisation’s policy are accepted; the citizen approves or declines after signing in with e-ID at the approval link.'],
  'k.pin': ['Số định danh của công dân', 'Citizen’s ID number'], 'k.days': ['Thời hạn đồng ý (ngày)', 'Consent validity (days)'],
  'k.attrs': ['Thông tin yêu cầu', 'Attributes requested'], 'k.create': ['Gửi yêu cầu', 'Send the request'],
  'k.list': ['Tải danh sách yêu cầu', 'Load the requests'], 'k.created': ['Đã tạo yêu cầu', 'Request created'],
  'k.link': ['Đường dẫn để công dân phê duyệt', 'Approval link for the citizen'], 'k.noattr': ['Chọn ít nhất một thông tin', 'Choose at least one attribute'],
  'k.pending': ['Công dân chưa trả lời yêu cầu', 'The citizen has not answered yet'], 'k.claims': ['Thông tin được cung cấp (JWT)', 'Released attributes (JWT)'],
  'k.a.name': ['Họ tên', 'Name'], 'k.a.dob': ['Ngày sinh', 'Date of birth'], 'k.a.sex': ['Giới tính', 'Sex'], 'k.a.address': ['Địa chỉ thường trú', 'Permanent address'],
  'k.a.phone': ['Số điện thoại', 'Phone'], 'k.a.email': ['Thư điện tử', 'Email'], 'k.a.father_name': ['Họ tên cha', 'Father’s name'],
  'k.a.mother_name': ['Họ tên mẹ', 'Mother’s name'], 'k.a.nationality': ['Quốc tịch', 'Nationality'], 'k.a.card_issue_date': ['Ngày cấp thẻ', 'Card issue date'],
  'act.release': ['Lấy kết quả', 'Fetch the result'],
  'f.attributes': ['Thông tin', 'Attributes'], 'st.pending': ['Đang chờ', 'Pending'], 'st.declined': ['Bị từ chối', 'Declined'], 'st.expired': ['Hết hạn', 'Expired'],
  // Legal grounds: Residence Law 68/2020 Art. 24(1), 29(1), 31(1), in short.
  'g.p.a': ['a) Chết, bị tuyên bố mất tích hoặc đã chết', 'a) Died, or declared missing or dead'],
  'g.p.b': ['b) Ra nước ngoài để định cư', 'b) Emigrated to settle abroad'],
  'g.p.c': ['c) Đăng ký thường trú bị hủy bỏ (Điều 35)', 'c) Registration cancelled (Art. 35)'],
  'g.p.d': ['d) Vắng mặt liên tục từ 12 tháng, không đăng ký tạm trú hoặc khai báo tạm vắng', 'd) Absent 12 months or more without temporary registration or absence declaration'],
  'g.p.dd': ['đ) Bị thôi, bị tước quốc tịch hoặc hủy quyết định nhập quốc tịch', 'đ) Nationality renounced, deprived or naturalisation cancelled'],
  'g.p.e': ['e) Hết thuê, mượn, ở nhờ; sau 12 tháng chưa đăng ký nơi khác', 'e) Rental or loan ended; not registered elsewhere after 12 months'],
  'g.p.g': ['g) Đã chuyển quyền sở hữu chỗ ở; sau 12 tháng chưa đăng ký nơi khác', 'g) Home transferred; not registered elsewhere after 12 months'],
  'g.p.h': ['h) Hết thuê, mượn, ở nhờ và chủ sở hữu không đồng ý giữ đăng ký', 'h) Rental or loan ended and the owner does not keep the registration'],
  'g.p.i': ['i) Chỗ ở bị phá dỡ, tịch thu hoặc phương tiện bị xóa đăng ký', 'i) Home demolished or confiscated, or vehicle deregistered'],
  'g.t.1': ['1. Chết, bị tuyên bố mất tích hoặc đã chết', '1. Died, or declared missing or dead'],
  'g.t.2': ['2. Có quyết định hủy bỏ đăng ký tạm trú', '2. Registration cancelled by decision'],
  'g.t.3': ['3. Vắng mặt liên tục từ 6 tháng, không đăng ký tạm trú nơi khác', '3. Absent 6 months or more without temporary registration elsewhere'],
  'g.t.4': ['4. Bị thôi, bị tước quốc tịch', '4. Nationality renounced or deprived'],
  'g.t.5': ['5. Đã đăng ký thường trú tại chính nơi tạm trú', '5. Registered permanently at the same place'],
  'g.t.6': ['6. Hết thuê, mượn, ở nhờ mà chưa đăng ký nơi khác', '6. Rental or loan ended without registering elsewhere'],
  'g.t.7': ['7. Đã chuyển quyền sở hữu chỗ ở', '7. Home transferred'],
  'g.t.8': ['8. Chỗ ở bị phá dỡ, tịch thu hoặc phương tiện bị xóa đăng ký', '8. Home demolished or confiscated, or vehicle deregistered'],
  'g.c.a': ['a) Bị can, bị cáo tại ngoại; người chấp hành án chưa thi hành, hưởng án treo… rời xã từ 1 ngày', 'a) On bail, suspended sentence, probation… leaving the commune 1 day or more'],
  'g.c.b': ['b) Biện pháp giáo dục tại xã, tạm hoãn đưa vào trường giáo dưỡng… rời xã từ 1 ngày', 'b) Commune education measure or postponed compulsory education… leaving 1 day or more'],
  'g.c.c': ['c) Trong độ tuổi nghĩa vụ quân sự, rời địa bàn từ 3 tháng liên tục', 'c) Military-service age, away 3 consecutive months or more'],
  'g.c.d': ['d) Trường hợp khác, rời nơi thường trú từ 12 tháng liên tục', 'd) Others, away from permanent residence 12 consecutive months or more'],
};

export function lang() { return localStorage.getItem('dancu.lang') === 'en' ? 'en' : 'vi'; }
export function t(key) { const e = DICT[key]; return e ? e[lang() === 'en' ? 1 : 0] : key; }

export function applyLang() {
  document.documentElement.lang = lang();
  for (const n of document.querySelectorAll('[data-i18n]')) n.textContent = t(n.dataset.i18n);
  for (const n of document.querySelectorAll('[data-i18n-label]')) n.setAttribute('aria-label', t(n.dataset.i18nLabel));
  document.title = t(document.body.dataset.title || 'app.name') + ' · dancu';
  document.dispatchEvent(new Event('dancu:lang'));
}

// The page header: brand, navigation (current page marked), language toggle.
export function header(current) {
  const h = document.createElement('header');
  h.className = 'top';
  const pages = [['index.html', 'nav.home'], ['citizen.html', 'nav.citizen'], ['officer.html', 'nav.officer'],
    ['rp.html', 'nav.rp'], ['dashboard.html', 'nav.dashboard']];
  h.innerHTML = '<a class="brand" href="./" data-i18n="app.name"></a><nav aria-label="dancu"></nav>' +
    '<button type="button" id="lang" data-i18n="lang.toggle"></button>';
  const nav = h.querySelector('nav');
  for (const [href, key] of pages) {
    const a = document.createElement('a');
    a.href = href; a.dataset.i18n = key;
    if (href === current) a.setAttribute('aria-current', 'page');
    nav.append(a);
  }
  h.querySelector('#lang').addEventListener('click', () => {
    localStorage.setItem('dancu.lang', lang() === 'en' ? 'vi' : 'en');
    applyLang();
  });
  document.body.prepend(h);
  applyLang();
}

// fetch wrapper: returns {status, json, text, ok}. auth is a full
// Authorization header value or null.
export async function api(method, path, { auth = null, body = undefined, form = null, raw = null, accept = null } = {}) {
  const headers = {};
  if (auth) headers.Authorization = auth;
  let payload;
  if (form) { headers['Content-Type'] = 'application/x-www-form-urlencoded'; payload = new URLSearchParams(form).toString(); }
  else if (raw !== null) { headers['Content-Type'] = 'text/csv'; payload = raw; }
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  if (accept) headers.Accept = accept;
  const r = await fetch(path, { method, headers, body: payload, cache: 'no-store' });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, ok: r.ok, json, text };
}

// A problem+json answer as one line.
export function problem(r) {
  const j = r.json || {};
  let s = `${t('error')} ${r.status}: ${j.detail || j.title || j.error_description || j.error || r.text.slice(0, 200)}`;
  if (Array.isArray(j.errors)) s += ' — ' + j.errors.map(e => e.rule || e.field || JSON.stringify(e)).join(', ');
  return s;
}

export function say(node, text, ok = true) {
  node.textContent = text;
  node.className = 'msg ' + (ok ? 'ok' : 'bad');
}

const TIME_KEYS = /(^|_)(at|ms|time)$|_at_ms$/;
function cell(k, v) {
  if (v === null || v === undefined) return '';
  if (k === 'state' && typeof v === 'string' && DICT['st.' + v]) return t('st.' + v);
  if (typeof v === 'number' && TIME_KEYS.test(k) && v > 1e11) return new Date(v).toLocaleString(lang() === 'en' ? 'en-GB' : 'vi-VN');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// A nested object in one line: an address as "address, commune, province",
// a person as "name (pin)", anything else as its non-empty values.
function summary(x) {
  if (x.formatted !== undefined) return x.formatted;
  const addr = ['address', 'commune_name', 'province_name'].map(k => x[k]).filter(Boolean);
  if (addr.length) return addr.join(', ');
  if (x.name && x.pin) return `${x.name} (${x.pin})`;
  return Object.entries(x).filter(([, v]) => v !== null && v !== '' && typeof v !== 'object')
    .map(([k, v]) => `${DICT['f.' + k] ? t('f.' + k) : k}: ${v}`).join(', ');
}

// Renders any JSON value into node: object → <dl>, array of objects →
// <table> (with optional per-row action buttons), scalar → text.
// actions: [{label, run(row)}]; columns: the keys to show (default: all).
export function render(node, v, actions = [], columns = null) {
  node.replaceChildren();
  if (Array.isArray(v)) {
    if (!v.length) { const p = document.createElement('p'); p.className = 'muted'; p.textContent = t('none'); node.append(p); return; }
    const keys = columns || [...new Set(v.flatMap(o => (o && typeof o === 'object') ? Object.keys(o) : ['value']))];
    const wrap = document.createElement('div'); wrap.className = 'scroll';
    const tb = document.createElement('table');
    const hr = tb.createTHead().insertRow();
    for (const k of keys) { const th = document.createElement('th'); th.scope = 'col'; th.textContent = DICT['f.' + k] ? t('f.' + k) : k; hr.append(th); }
    if (actions.length) { const th = document.createElement('th'); th.textContent = t('o.actions'); hr.append(th); }
    const body = tb.createTBody();
    for (const o of v) {
      const tr = body.insertRow();
      for (const k of keys) {
        const x = o && typeof o === 'object' ? o[k] : o, td = tr.insertCell();
        td.textContent = cell(k, x);
        if (k === 'state' && typeof x === 'string') td.dataset.code = x; // the API's code under the label
      }
      if (actions.length) {
        const td = tr.insertCell(); td.className = "actions";
        for (const a of actions) {
          if (a.when && !a.when(o)) continue;
          const b = document.createElement('button'); b.type = 'button'; b.className = 'secondary';
          if (typeof a.label === 'function') { b.textContent = a.label(o); if (a.action) b.dataset.action = a.action; }
          else { b.dataset.action = a.label; b.textContent = DICT['act.' + a.label] ? t('act.' + a.label) : a.label; }
          b.addEventListener('click', () => a.run(o, b));
          td.append(b, ' ');
        }
      }
    }
    wrap.append(tb); node.append(wrap);
  } else if (v && typeof v === 'object') {
    const dl = document.createElement('dl'); dl.className = 'kv';
    for (const [k, x] of Object.entries(v)) {
      const dt = document.createElement('dt'); dt.textContent = DICT['f.' + k] ? t('f.' + k) : k;
      const dd = document.createElement('dd');
      if (x && typeof x === 'object' && !Array.isArray(x) && Object.values(x).some(y => y && typeof y === 'object')) render(dd, x);
      else if (x && typeof x === 'object' && !Array.isArray(x)) dd.textContent = summary(x);
      else if (Array.isArray(x) && x.length && typeof x[0] === 'object') render(dd, x);
      else dd.textContent = cell(k, x);
      dl.append(dt, dd);
    }
    node.append(dl);
  } else {
    node.textContent = v === null || v === undefined ? t('none') : String(v);
  }
}

// The first array member of an answer ({"dossiers":[...]} → [...]).
export function listOf(j) {
  if (Array.isArray(j)) return j;
  if (j && typeof j === 'object') for (const v of Object.values(j)) if (Array.isArray(v)) return v;
  return [];
}

// Form fields with a value, as an object (empty inputs left out).
export function formObject(form) {
  const o = {};
  for (const [k, v] of new FormData(form).entries()) if (typeof v === 'string' && v.trim() !== '') o[k] = v.trim();
  return o;
}

// The commune picker: every input for a commune code (pattern [0-9]{5})
// gets the list of communes (/ui/units/communes.json) shown as
// "name — province", searchable by name; the field still holds the 5-digit
// code the API takes.
export async function communePicker() {
  const inputs = [...document.querySelectorAll('input[pattern="[0-9]{5}"]')];
  if (!inputs.length) return;
  const [r, p] = await Promise.all([api('GET', 'units/communes.json'), api('GET', 'units/provinces.json')]);
  if (!r.ok || !r.json) return;
  const en = lang() === 'en';
  const names = {};
  for (const x of (p.json && p.json.provinces) || []) names[x.code] = en && x.name_en ? x.name_en : x.name;
  const list = document.createElement('datalist');
  list.id = 'dc-communes';
  for (const m of r.json.communes) {
    const o = document.createElement('option');
    o.value = m.code;
    o.label = `${en && m.name_en ? m.name_en : m.name} — ${names[m.province] || m.province}`;
    list.append(o);
  }
  document.body.append(list);
  for (const i of inputs) i.setAttribute('list', 'dc-communes');
}
