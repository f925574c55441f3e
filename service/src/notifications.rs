//! Notifications, written in the recipient's language. Every kind goes
//! through `notify`, so later features add a variant and its words here.
use chrono::{DateTime, Utc};
use entity::{AgeCheckStatus, ModerationAction, ReportReason, notification, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

use crate::error::AppResult;
use crate::pagination::{Direction, Page, PageRequest, keyset_page};

pub enum Notice<'a> {
    ReportResolved {
        action: ModerationAction,
        case_id: Uuid,
    },
    ContentRemoved {
        title: &'a str,
        case_id: Uuid,
        content_id: Option<Uuid>,
    },
    AccountWarned {
        case_id: Uuid,
    },
    AccountSuspended {
        until: Option<DateTime<Utc>>,
        case_id: Uuid,
    },
    AppealDecided {
        upheld: bool,
        case_id: Uuid,
    },
    FamilyLinked {
        other: &'a user::Model,
        link_id: Uuid,
    },
    FamilyUnlinked {
        other: &'a user::Model,
        link_id: Uuid,
    },
    ControlsChanged {
        teen: &'a user::Model,
    },
    TimeRequested {
        teen: &'a user::Model,
        minutes: i32,
        request_id: Uuid,
    },
    TimeRequestAnswered {
        granted: Option<i32>,
        request_id: Uuid,
    },
    /// A teen reported something and asked for their guardians to know: the
    /// reason, never the item.
    TeenReported {
        teen: &'a user::Model,
        reason: ReportReason,
    },
    /// To a teen's guardians, or to the guardian whose link ended lately:
    /// another adult asks to join or replace them.
    FamilyLinkPending {
        adult: &'a user::Model,
        teen: &'a user::Model,
        link_id: Uuid,
        /// To the former guardian: it becomes active in 7 days unless refused.
        former: bool,
    },
    /// To the guardian: a teen of 13 to 15 asks to end the link.
    FamilyUnlinkRequested {
        teen: &'a user::Model,
        link_id: Uuid,
    },
    /// To the teen: the guardian kept the link.
    FamilyUnlinkDeclined {
        guardian: &'a user::Model,
        link_id: Uuid,
    },
    /// To a teen's guardians: the teen deleted their account.
    TeenAccountDeletion {
        teen: &'a user::Model,
    },
    /// To the teen and the adult an existing guardian turned down.
    FamilyLinkRefused {
        other: &'a user::Model,
        link_id: Uuid,
    },
    PolicyUpdated {
        version: i32,
    },
    /// To the account that asked for the badge.
    VerificationDecided {
        approved: bool,
    },
    /// To a creator: many comments on one item read as unkind within the
    /// hour; at most once a day per item.
    CommentStorm {
        title: &'a str,
        content_id: Uuid,
    },
    /// To an account an admin found 13 or over (under 13 leaves no one to tell).
    AgeCheckDecided {
        status: AgeCheckStatus,
        case_id: Option<Uuid>,
    },
}

/// What a notification is about, so a client can open it.
#[derive(Debug, Default, Clone, Copy)]
struct About {
    case: Option<Uuid>,
    content: Option<Uuid>,
    link: Option<Uuid>,
    time_request: Option<Uuid>,
    /// The account the text names by handle, so a purge can find it.
    mentions: Option<Uuid>,
}

impl Notice<'_> {
    fn about(&self) -> About {
        match *self {
            Notice::ReportResolved { case_id, .. }
            | Notice::AccountWarned { case_id }
            | Notice::AccountSuspended { case_id, .. }
            | Notice::AppealDecided { case_id, .. } => About { case: Some(case_id), ..About::default() },
            Notice::ContentRemoved { case_id, content_id, .. } => {
                About { case: Some(case_id), content: content_id, ..About::default() }
            }
            Notice::FamilyLinked { link_id, other }
            | Notice::FamilyUnlinked { link_id, other }
            | Notice::FamilyLinkRefused { link_id, other }
            | Notice::FamilyLinkPending { link_id, adult: other, .. }
            | Notice::FamilyUnlinkRequested { link_id, teen: other }
            | Notice::FamilyUnlinkDeclined { link_id, guardian: other } => {
                About { link: Some(link_id), mentions: Some(other.id), ..About::default() }
            }
            Notice::TimeRequested { request_id, teen, .. } => {
                About { time_request: Some(request_id), mentions: Some(teen.id), ..About::default() }
            }
            Notice::TimeRequestAnswered { request_id, .. } => {
                About { time_request: Some(request_id), ..About::default() }
            }
            Notice::ControlsChanged { teen }
            | Notice::TeenReported { teen, .. }
            | Notice::TeenAccountDeletion { teen } => About { mentions: Some(teen.id), ..About::default() },
            Notice::AgeCheckDecided { case_id, .. } => About { case: case_id, ..About::default() },
            Notice::CommentStorm { content_id, .. } => About { content: Some(content_id), ..About::default() },
            Notice::PolicyUpdated { .. } | Notice::VerificationDecided { .. } => About::default(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Notice::ReportResolved { .. } => "REPORT_RESOLVED",
            Notice::ContentRemoved { .. } => "CONTENT_REMOVED",
            Notice::AccountWarned { .. } => "ACCOUNT_WARNED",
            Notice::AccountSuspended { .. } => "ACCOUNT_SUSPENDED",
            Notice::AppealDecided { .. } => "APPEAL_DECIDED",
            Notice::FamilyLinked { .. } => "FAMILY_LINKED",
            Notice::FamilyUnlinked { .. } => "FAMILY_UNLINKED",
            Notice::ControlsChanged { .. } => "CONTROLS_CHANGED",
            Notice::TimeRequested { .. } => "TIME_REQUESTED",
            Notice::TeenReported { .. } => "TEEN_REPORTED",
            Notice::FamilyLinkPending { .. } => "FAMILY_LINK_PENDING",
            Notice::FamilyUnlinkRequested { .. } => "FAMILY_UNLINK_REQUESTED",
            Notice::FamilyUnlinkDeclined { .. } => "FAMILY_UNLINK_DECLINED",
            Notice::TeenAccountDeletion { .. } => "TEEN_ACCOUNT_DELETION",
            Notice::FamilyLinkRefused { .. } => "FAMILY_LINK_REFUSED",
            Notice::TimeRequestAnswered { .. } => "TIME_REQUEST_ANSWERED",
            Notice::PolicyUpdated { .. } => "POLICY_UPDATED",
            Notice::VerificationDecided { .. } => "VERIFICATION_DECIDED",
            Notice::AgeCheckDecided { .. } => "AGE_CHECK_DECIDED",
            Notice::CommentStorm { .. } => "COMMENT_STORM",
        }
    }

    /// (title, body) in Vietnamese or English.
    fn words(&self, vietnamese: bool) -> (String, String) {
        let pick = |vi: String, en: String| if vietnamese { vi } else { en };
        match self {
            Notice::ReportResolved { action, .. } => (
                pick("Báo cáo của bạn đã được xử lý".into(), "Your report was reviewed".into()),
                outcome_text(*action, vietnamese),
            ),
            Notice::ContentRemoved { title, .. } => (
                pick("Nội dung của bạn đã bị gỡ".into(), "Your content was removed".into()),
                pick(
                    format!("“{title}” vi phạm Tiêu chuẩn cộng đồng và đã bị gỡ. Bạn có thể kháng nghị trong 30 ngày."),
                    format!("“{title}” broke the Community Guidelines and was removed. You can appeal within 30 days."),
                ),
            ),
            Notice::AccountWarned { .. } => (
                pick("Cảnh báo tài khoản".into(), "Account warning".into()),
                pick(
                    "Một nội dung hoặc hành vi của bạn vi phạm Tiêu chuẩn cộng đồng. Lần sau tài khoản có thể bị tạm khóa.".into(),
                    "Something you posted or did broke the Community Guidelines. Next time your account may be suspended.".into(),
                ),
            ),
            Notice::AccountSuspended { until: Some(until), .. } => (
                pick("Tài khoản bị tạm khóa".into(), "Account suspended".into()),
                pick(
                    format!("Tài khoản của bạn bị tạm khóa đến {}. Bạn có thể kháng nghị trong 30 ngày.", until.format("%d/%m/%Y %H:%M UTC")),
                    format!("Your account is suspended until {}. You can appeal within 30 days.", until.format("%Y-%m-%d %H:%M UTC")),
                ),
            ),
            Notice::AccountSuspended { until: None, .. } => (
                pick("Tài khoản bị khóa".into(), "Account banned".into()),
                pick(
                    "Tài khoản của bạn bị khóa vĩnh viễn. Bạn có thể kháng nghị trong 30 ngày.".into(),
                    "Your account has been banned. You can appeal within 30 days.".into(),
                ),
            ),
            Notice::AppealDecided { upheld, .. } => (
                pick("Kết quả kháng nghị".into(), "Your appeal was decided".into()),
                match upheld {
                    true => pick(
                        "Sau khi xem xét lại, quyết định ban đầu được giữ nguyên.".into(),
                        "After a second review the original decision stands.".into(),
                    ),
                    false => pick(
                        "Kháng nghị được chấp nhận: quyết định đã được hủy bỏ.".into(),
                        "Your appeal was accepted and the decision was reversed.".into(),
                    ),
                },
            ),
            Notice::FamilyLinked { other, .. } => (
                pick("Đã liên kết gia đình".into(), "Family pairing set up".into()),
                pick(format!("Bạn đã liên kết với @{}.", other.handle), format!("You are now paired with @{}.", other.handle)),
            ),
            Notice::FamilyUnlinked { other: user::Model { handle: other, .. }, .. } => (
                pick("Đã hủy liên kết gia đình".into(), "Family pairing ended".into()),
                pick(format!("Liên kết với @{other} đã kết thúc."), format!("The pairing with @{other} has ended.")),
            ),
            Notice::ControlsChanged { teen: user::Model { handle: teen, .. } } => (
                pick("Cài đặt an toàn đã thay đổi".into(), "Safety settings changed".into()),
                pick(
                    format!("Cài đặt thời gian và nội dung của @{teen} vừa được cập nhật."),
                    format!("The screen-time and content settings of @{teen} were updated."),
                ),
            ),
            Notice::TimeRequested { teen: user::Model { handle: teen, .. }, minutes, .. } => (
                pick("Yêu cầu thêm thời gian".into(), "Request for more time".into()),
                pick(format!("@{teen} xin thêm {minutes} phút hôm nay."), format!("@{teen} asks for {minutes} more minutes today.")),
            ),
            Notice::FamilyLinkPending { adult, teen, former: false, .. } => (
                pick("Một người lớn muốn cùng giám hộ".into(), "Another adult asks to join as guardian".into()),
                pick(
                    format!("@{} muốn trở thành người giám hộ của @{}. Chỉ bạn mới có thể đồng ý.", adult.handle, teen.handle),
                    format!("@{} asks to become a guardian of @{}. Only you can approve it.", adult.handle, teen.handle),
                ),
            ),
            Notice::FamilyLinkPending { adult, teen, former: true, .. } => (
                pick("Một người lớn muốn thay bạn giám hộ".into(), "Another adult asks to become guardian".into()),
                pick(
                    format!(
                        "@{} muốn trở thành người giám hộ của @{}, vừa hủy liên kết với bạn. Nếu bạn không từ chối, liên kết có hiệu lực sau 7 ngày.",
                        adult.handle, teen.handle
                    ),
                    format!(
                        "@{} asks to become the guardian of @{}, whose link with you ended lately. Unless you refuse, it takes effect in 7 days.",
                        adult.handle, teen.handle
                    ),
                ),
            ),
            Notice::FamilyUnlinkRequested { teen: user::Model { handle: teen, .. }, .. } => (
                pick("Con muốn hủy liên kết gia đình".into(), "Your teen asks to end family pairing".into()),
                pick(
                    format!("@{teen} muốn hủy liên kết với bạn. Liên kết kết thúc khi bạn đồng ý, hoặc sau 7 ngày."),
                    format!("@{teen} asks to end the pairing with you. It ends when you agree, or in 7 days."),
                ),
            ),
            Notice::FamilyUnlinkDeclined { guardian: user::Model { handle: guardian, .. }, .. } => (
                pick("Liên kết gia đình được giữ".into(), "Family pairing kept".into()),
                pick(
                    format!("@{guardian} muốn giữ liên kết gia đình. Hãy nói chuyện với nhau nhé."),
                    format!("@{guardian} kept the family pairing. Talk it over together."),
                ),
            ),
            Notice::TeenAccountDeletion { teen: user::Model { handle: teen, .. } } => (
                pick("Con đã xóa tài khoản".into(), "Your teen deleted their account".into()),
                pick(
                    format!("@{teen} đã yêu cầu xóa tài khoản. Tài khoản sẽ bị xóa hẳn sau 30 ngày."),
                    format!("@{teen} asked to delete their account. It is erased for good in 30 days."),
                ),
            ),
            Notice::FamilyLinkRefused { other, .. } => (
                pick("Yêu cầu giám hộ bị từ chối".into(), "Guardian request declined".into()),
                pick(
                    format!("Liên kết gia đình với @{} đã bị người giám hộ hiện tại từ chối.", other.handle),
                    format!("The family link with @{} was declined by the current guardian.", other.handle),
                ),
            ),
            Notice::TeenReported { teen: user::Model { handle: teen, .. }, reason } => (
                pick("Con bạn vừa báo cáo một nội dung".into(), "Your teen reported something".into()),
                pick(
                    format!("@{teen} đã báo cáo một nội dung vì: {}. Hãy hỏi han con nhé.", reason_words(*reason, true)),
                    format!("@{teen} reported something for: {}. You may want to check in with them.", reason_words(*reason, false)),
                ),
            ),
            Notice::TimeRequestAnswered { granted: Some(minutes), .. } => (
                pick("Đã được thêm thời gian".into(), "More time granted".into()),
                pick(format!("Bạn được thêm {minutes} phút đến nửa đêm nay."), format!("You have {minutes} more minutes until midnight.")),
            ),
            Notice::PolicyUpdated { version } => (
                pick("Chính sách quyền riêng tư đã cập nhật".into(), "Privacy policy updated".into()),
                pick(
                    format!("Phiên bản {version} đã có hiệu lực. Hãy đọc và chấp nhận để tiếp tục đăng, thích và bình luận."),
                    format!("Version {version} is now in force. Please read and accept it to keep posting, liking and commenting."),
                ),
            ),
            Notice::VerificationDecided { approved: true } => (
                pick("Tài khoản của bạn đã được xác minh".into(), "Your account is verified".into()),
                pick(
                    "Dấu xác minh hiện bên tên bạn. Nếu bạn đổi tên người dùng hoặc tên hiển thị, dấu sẽ mất cho đến khi được xác minh lại.".into(),
                    "The badge now shows by your name. Changing your handle or display name removes it until you are verified again.".into(),
                ),
            ),
            Notice::VerificationDecided { approved: false } => (
                pick("Yêu cầu xác minh chưa được chấp nhận".into(), "Verification not granted".into()),
                pick(
                    "Xem ghi chú của quản trị viên trong hồ sơ của bạn; bạn có thể gửi yêu cầu mới với bằng chứng khác.".into(),
                    "See the admin's note on your profile; you can send a new request with other evidence.".into(),
                ),
            ),
            Notice::CommentStorm { title, .. } => (
                pick("Nhiều bình luận khó nghe".into(), "A storm of unkind comments".into()),
                pick(
                    format!("Video “{title}” đang nhận nhiều bình luận khó nghe. Bạn có thể bật giới hạn bình luận vài ngày: bình luận của người lạ và tài khoản mới sẽ chờ bạn duyệt."),
                    format!("“{title}” is getting many unkind comments. You can turn on a limit for a few days: comments from strangers and new accounts will wait for your approval."),
                ),
            ),
            Notice::AgeCheckDecided { status: AgeCheckStatus::ConfirmedTeen, .. } => (
                pick("Đã xác nhận tuổi: tài khoản thiếu niên".into(), "Age confirmed: a teen account".into()),
                pick(
                    "Tài khoản đã mở lại với các cài đặt an toàn dành cho tuổi của bạn: tài khoản riêng tư, giới hạn thời gian mỗi ngày và giờ nghỉ buổi tối.".into(),
                    "Your account is open again with the safety settings for your age: a private account, a daily time limit and evening time away.".into(),
                ),
            ),
            Notice::AgeCheckDecided { .. } => (
                pick("Đã xác nhận tuổi".into(), "Age confirmed".into()),
                pick(
                    "Cảm ơn bạn. Tài khoản đã mở lại và nội dung của bạn hiển thị trở lại.".into(),
                    "Thank you. Your account is open again and your content shows again.".into(),
                ),
            ),
            Notice::TimeRequestAnswered { granted: None, .. } => (
                pick("Yêu cầu thêm thời gian bị từ chối".into(), "Request for more time declined".into()),
                pick("Hôm nay chưa thể thêm thời gian. Hẹn bạn ngày mai!".into(), "No more time today. See you tomorrow!".into()),
            ),
        }
    }
}

/// A report reason in plain words.
pub fn reason_words(reason: ReportReason, vietnamese: bool) -> &'static str {
    let (vi, en) = match reason {
        ReportReason::Spam => ("thư rác", "spam"),
        ReportReason::ScamFraud => ("lừa đảo", "a scam or fraud"),
        ReportReason::Impersonation => ("mạo danh", "impersonation"),
        ReportReason::BullyingHarassment => ("bắt nạt, quấy rối", "bullying or harassment"),
        ReportReason::HateSpeech => ("phát ngôn thù ghét", "hate speech"),
        ReportReason::ViolenceDangerousActs => ("bạo lực, hành vi nguy hiểm", "violence or dangerous acts"),
        ReportReason::SelfHarm => ("tự gây hại", "self-harm"),
        ReportReason::MinorSafety => ("an toàn của trẻ vị thành niên", "the safety of a minor"),
        ReportReason::NuditySexual => ("khỏa thân, tình dục", "nudity or sexual content"),
        ReportReason::Misinformation => ("thông tin sai lệch", "misinformation"),
        ReportReason::PrivacyViolation => ("xâm phạm quyền riêng tư", "a privacy violation"),
        ReportReason::IntellectualProperty => ("vi phạm sở hữu trí tuệ", "intellectual property"),
        ReportReason::Other => ("lý do khác", "another reason"),
        ReportReason::UnderageUser => ("người dùng có thể dưới 13 tuổi", "a user who may be under 13"),
    };
    if vietnamese { vi } else { en }
}

/// What happened to a report, in plain words for the reporter.
pub fn outcome_text(action: ModerationAction, vietnamese: bool) -> String {
    let (vi, en) = match action {
        ModerationAction::Dismiss => (
            "Chúng tôi đã xem xét và không thấy vi phạm Tiêu chuẩn cộng đồng. Cảm ơn bạn đã báo cáo.",
            "We reviewed it and found no breach of the Community Guidelines. Thank you for reporting.",
        ),
        ModerationAction::RemoveContent => {
            ("Nội dung đã bị gỡ. Cảm ơn bạn đã báo cáo.", "The content was removed. Thank you for reporting.")
        }
        ModerationAction::RestrictToAdults => (
            "Nội dung giờ chỉ dành cho người lớn. Cảm ơn bạn đã báo cáo.",
            "The content is now shown to adults only. Thank you for reporting.",
        ),
        ModerationAction::WarnUser => (
            "Tài khoản liên quan đã bị cảnh báo. Cảm ơn bạn đã báo cáo.",
            "The account was warned. Thank you for reporting.",
        ),
        ModerationAction::SuspendUser => (
            "Tài khoản liên quan đã bị tạm khóa. Cảm ơn bạn đã báo cáo.",
            "The account was suspended. Thank you for reporting.",
        ),
        ModerationAction::BanUser => (
            "Tài khoản liên quan đã bị khóa. Cảm ơn bạn đã báo cáo.",
            "The account was banned. Thank you for reporting.",
        ),
        ModerationAction::Escalate => ("Báo cáo đang được xem xét thêm.", "Your report is being reviewed further."),
        ModerationAction::RequireAgeCheck => (
            "Tài khoản liên quan tạm dừng cho đến khi xác nhận được tuổi. Cảm ơn bạn đã báo cáo.",
            "The account is paused until its owner's age is confirmed. Thank you for reporting.",
        ),
    };
    if vietnamese { vi.to_owned() } else { en.to_owned() }
}

fn row(recipient: &user::Model, notice: &Notice<'_>, now: DateTime<Utc>) -> notification::ActiveModel {
    // Both languages: each is read in the language its reader uses then.
    let (title, body) = notice.words(true);
    let (title_en, body_en) = notice.words(false);
    let about = notice.about();
    notification::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(recipient.id),
        kind: Set(notice.kind().to_owned()),
        title: Set(title),
        body: Set(body),
        title_en: Set(Some(title_en)),
        body_en: Set(Some(body_en)),
        created_at: Set(now),
        read_at: Set(None),
        case_id: Set(about.case),
        content_id: Set(about.content),
        link_id: Set(about.link),
        time_request_id: Set(about.time_request),
        mentioned_user_id: Set(about.mentions),
    }
}

pub async fn notify(
    db: &impl ConnectionTrait,
    recipient: &user::Model,
    notice: Notice<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    row(recipient, &notice, now).insert(db).await?;
    Ok(())
}

/// The same notice to every account, 500 at a time, each batch its own
/// statement (by id, so each batch costs the same however far it is).
pub async fn notify_everyone(db: &impl ConnectionTrait, notice: Notice<'_>, now: DateTime<Utc>) -> AppResult<()> {
    let mut after: Option<Uuid> = None;
    loop {
        let mut batch = user::Entity::find().order_by_asc(user::Column::Id).limit(500);
        if let Some(last) = after {
            batch = batch.filter(user::Column::Id.gt(last));
        }
        let users = batch.all(db).await?;
        let Some(last) = users.last() else { return Ok(()) };
        after = Some(last.id);
        notification::Entity::insert_many(users.iter().map(|u| row(u, &notice, now)))
            .exec_without_returning(db)
            .await?;
    }
}

/// Notifies the user with `id`, if the account still exists.
pub async fn notify_id(db: &impl ConnectionTrait, id: Uuid, notice: Notice<'_>, now: DateTime<Utc>) -> AppResult<()> {
    if let Some(recipient) = user::Entity::find_by_id(id).one(db).await? {
        notify(db, &recipient, notice, now).await?;
    }
    Ok(())
}

/// The user's notifications, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    unread_only: bool,
    page: &PageRequest,
) -> AppResult<Page<notification::Model>> {
    let mut select = notification::Entity::find().filter(notification::Column::UserId.eq(user_id));
    if unread_only {
        select = select.filter(notification::Column::ReadAt.is_null());
    }
    keyset_page(db, select, Direction::NewestFirst, page).await
}

/// Marks the user's own unread notifications among `ids` read; returns how many changed.
pub async fn mark_read(db: &impl ConnectionTrait, user_id: Uuid, ids: &[Uuid], now: DateTime<Utc>) -> AppResult<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let result = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(now))
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::Id.is_in(ids.iter().copied()))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
