/**
 * The OpenAI chat requests of the user's seed documents, verbatim: seed 000 (a Python
 * `requests` call and the Python `openai` client against llama.cpp) and seed 003 (curl
 * against MindIE's OpenAI route). Model names are the seeds'; tests substitute their own.
 * Generated from /work/shared/seeds/000_*.txt and 003_*.txt; edit there, not here.
 */

export interface SeedRequest {
  seed: '000' | '003';
  title: string;
  headers: Record<string, string>;
  body: { model: string } & Record<string, unknown>;
}

export const OPENAI_SEED_REQUESTS: readonly SeedRequest[] = [
  {
    seed: '000',
    title: 'requests.post: one user message',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      Authorization: 'Bearer no-key',
    },
    body: {
      model: 'llama3.1:8b',
      messages: [
        {
          role: 'user',
          content:
            '你的身份是微博的资深评论段子手，结合如下评论指南和博文信息，如何在15个字以内趣味评论该博文且有对话感？\n\n**评论指南**\n1.结合微博内容(content)、类型(blog_type)、配图(image)、领域(tagname)、性别(gender)构建评论内容，确保评论和博文、配图主题一致\n2.保持评论友好和积极，提供情绪价值\n3.评论要**真实且让人有互动的欲望**，**适度幽默有梗**\n4.**严禁发布带色情、涉政的敏感内容**\n5.不要提及特定身份和角色，不要提及“博主” \n\n**博文信息**：{"content": "世界上最疼我的两个人，\\n我最爱的姥姥和奶奶，\\n已经离开我四年了，\\n您们在那边过得还好吗？[泪] ", "blog_type": "picture", "gender": "男", "tagname": "情感", "author_nick": "破厂皮老师", "author_description": "", "author_region": "发布于 内蒙古", "image caption": "这张图片由两张照片拼接而成。左边的照片中，一位老人和一位年轻人坐在沙发上，老人双手托着脸颊，显得有些疲惫或沉思。老人穿着深色的衣服，头发花白，脸上有明显的皱纹和斑点。年轻人穿着蓝色的上衣，戴着眼镜，表情平静。沙发上有花纹的靠垫，背景是白色的墙壁。\n\n右边的照片中，同样的老人和年轻人坐在一起，但他们的表情和姿势有所不同。老人穿着红色的衣服，戴着眼镜，表情温和，似乎在微笑。年轻人穿着蓝色的上衣，戴着眼镜，表情自然，似乎在微笑。背景是白色的墙壁，光线明亮。\n\n两张照片的拼接使得整体看起来像是经过编辑处理的，但两张照片中的场景和人物表情都显得自然和谐。"}',
        },
      ],
    },
  },
  {
    seed: '000',
    title: 'openai client: a content-part array',
    headers: {
      'Content-Type': 'application/json',
      Authorization: 'Bearer llamacpp',
    },
    body: {
      model: 'DeepSeek-R1-UD-Q2_K_XL',
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'text',
              text: '你的身份是微博的资深评论段子手，结合如下评论指南和博文信息，如何在15个字以内趣味评论该博文且有对话感？\n\n**评论指南**\n1.结合微博内容(content)、类型(blog_type)、配图(image)、领域(tagname)、性别(gender)构建评论内容，确保评论和博文、配图主题一致\n2.保持评论友好和积极，提供情绪价值\n3.评论要**真实且让人有互动的欲望**，**适度幽默有梗**\n4.**严禁发布带色情、涉政的敏感内容**\n5.不要提及特定身份和角色，不要提及“博主” \n\n**博文信息**：{"content": "世界上最疼我的两个人，\\n我最爱的姥姥和奶奶，\\n已经离开我四年了，\\n您们在那边过得还好吗？[泪] ", "blog_type": "picture", "gender": "男", "tagname": "情感", "author_nick": "破厂皮老师", "author_description": "", "author_region": "发布于 内蒙古", "image caption": "这张图片由两张照片拼接而成。左边的照片中，一位老人和一位年轻人坐在沙发上，老人双手托着脸颊，显得有些疲惫或沉思。老人穿着深色的衣服，头发花白，脸上有明显的皱纹和斑点。年轻人穿着蓝色的上衣，戴着眼镜，表情平静。沙发上有花纹的靠垫，背景是白色的墙壁。\n\n右边的照片中，同样的老人和年轻人坐在一起，但他们的表情和姿势有所不同。老人穿着红色的衣服，戴着眼镜，表情温和，似乎在微笑。年轻人穿着蓝色的上衣，戴着眼镜，表情自然，似乎在微笑。背景是白色的墙壁，光线明亮。\n\n两张照片的拼接使得整体看起来像是经过编辑处理的，但两张照片中的场景和人物表情都显得自然和谐。"}',
            },
          ],
        },
      ],
    },
  },
  {
    seed: '003',
    title: 'system + user',
    headers: {
      Accept: 'application/json',
      'Content-type': 'application/json',
    },
    body: {
      model: 'qwen-72b',
      messages: [
        {
          role: 'system',
          content: '你是一个有用的助手.',
        },
        {
          role: 'user',
          content: '如何养生？',
        },
      ],
    },
  },
  {
    seed: '003',
    title: 'max_tokens 128',
    headers: {
      'Content-Type': 'application/json',
    },
    body: {
      model: 'baichuan2-7b',
      messages: [
        {
          role: 'user',
          content: '如何养生？',
        },
      ],
      max_tokens: 128,
    },
  },
  {
    seed: '003',
    title: 'max_tokens 256',
    headers: {
      'Content-Type': 'application/json',
    },
    body: {
      model: 'qwen1.5-14b',
      messages: [
        {
          role: 'user',
          content: '如何养生？',
        },
      ],
      max_tokens: 256,
    },
  },
  {
    seed: '003',
    title: 'n 10, logprobs, top_p, stop <|im_end|>',
    headers: {
      'Content-Type': 'application/json',
    },
    body: {
      model: 'qwen1.5-14b',
      messages: [
        {
          role: 'user',
          content: '你好，我叫李聪明。请问你是谁？',
        },
      ],
      max_tokens: 256,
      top_p: 0.85,
      n: 10,
      logprobs: true,
      stop: '<|im_end|>',
    },
  },
  {
    seed: '003',
    title: 'a multi-turn chat, n 10, logprobs',
    headers: {
      'Content-Type': 'application/json',
    },
    body: {
      model: 'qwen1.5-14b',
      messages: [
        {
          role: 'user',
          content: '你好，我叫李聪明。请问你是谁？',
        },
        {
          role: 'assistant',
          content:
            '你好，李聪明！很高兴认识你。我是一个大型语言模型，你可以叫我通义千问。有什么问题或需要帮助的话，请随时告诉我。',
        },
        {
          role: 'user',
          content: '我最近心情很糟糕，能给我一些建议吗？',
        },
      ],
      max_tokens: 256,
      top_p: 0.85,
      n: 10,
      logprobs: true,
    },
  },
  {
    seed: '003',
    title: 'three turns in one message, n 10, logprobs',
    headers: {
      'Content-Type': 'application/json',
    },
    body: {
      model: 'qwen1.5-14b',
      messages: [
        {
          role: 'user',
          content:
            '你好，我叫李聪明。请问你是谁？\n你好，李聪明！很高兴认识你。我是一个大型语言模型，你可以叫我通义千问。有什么问题或需要帮助的话，请随时告诉我。\n我最近心情很糟糕，能给我一些建议吗？',
        },
      ],
      max_tokens: 256,
      top_p: 0.85,
      n: 10,
      logprobs: true,
    },
  },
  {
    seed: '003',
    title: 'a raw ChatML prompt, n 10, logprobs, stop <|im_end|>',
    headers: {
      'Content-Type': 'application/json',
    },
    body: {
      model: 'qwen1.5-14b',
      messages: [
        {
          role: 'user',
          content:
            '<|im_start|>user\n你好，我的名字是李聪明。请问你是谁？<|im_end|>\n<|im_start|>assistant\n你好，李聪明！很高兴认识你。我是一个大型语言模型，你可以叫我通义千问。有什么问题或需要帮助的话，请随时告诉我。<|im_end|>\n<|im_start|>user\n我最近心情很糟糕，能给我一些建议吗？<|im_end|><|im_start|>assistant\n我很理解你现在的感受。面对糟糕的心情，以下是一些可能有帮助的建议：\n\n1. **与他人分享**：告诉信任的朋友或家人你的感受，他们可能能提供安慰和支持。\n2. **自我关怀**：确保每天有足够的休息，做些你喜欢的事情，比如阅读、听音乐或运动。\n3. **运动与放松**：适度的运动可以帮助释放压力，尝试瑜伽、冥想或深呼吸练习。\n4. **寻求专业帮助**：如果你觉得压力过大，考虑咨询心理医生或心理咨询师。\n5. **保持积极思考**：试着找出生活中的小确幸，每天对自己说一些积极的话。\n6. **时间管理**：合理安排时间，避免过度压力，留出放松的时间。\n\n记住，处理情绪需要时间和耐心，不要对自己太苛刻。如果你的情绪持续低落，可能需要更专业的支持。希望这些建议对你有所帮助。<|im_end|>\n<|im_start|>user\n请问我叫什么名字？<|im_end|>\n<|im_start|>assistant\n',
        },
      ],
      max_tokens: 256,
      top_p: 0.85,
      n: 10,
      logprobs: true,
      stop: '<|im_end|>',
    },
  },
  {
    seed: '003',
    title: 'five pieces of advice, max_tokens 128',
    headers: {
      Accept: 'application/json',
      'Content-type': 'application/json',
    },
    body: {
      model: 'qwen-72b',
      messages: [
        {
          role: 'user',
          content: '请给我5条人生建议？',
        },
      ],
      max_tokens: 128,
    },
  },
  {
    seed: '003',
    title: 'stream (流式)',
    headers: {
      Accept: 'application/json',
      'Content-type': 'application/json',
    },
    body: {
      model: 'gpt-3.5-turbo-16k',
      messages: [
        {
          role: 'system',
          content: 'You are a helpful assistant.',
        },
        {
          role: 'user',
          content: 'Hello!',
        },
      ],
      stream: true,
    },
  },
  {
    seed: '003',
    title: 'top_p 0.85, max_tokens 128',
    headers: {
      Accept: 'application/json',
      'Content-type': 'application/json',
    },
    body: {
      model: 'baichuan2-7b',
      messages: [
        {
          role: 'user',
          content: '保持健康的方法',
        },
      ],
      top_p: 0.85,
      max_tokens: 128,
    },
  },
  {
    seed: '003',
    title: 'stream, no max_tokens',
    headers: {
      Accept: 'application/json',
      'Content-type': 'application/json',
    },
    body: {
      model: 'qwen-72b',
      messages: [
        {
          role: 'user',
          content: '保持健康的方法',
        },
      ],
      stream: true,
    },
  },
  {
    seed: '003',
    title: 'baichuan2 reserved tokens, n 10, logprobs',
    headers: {
      'Content-Type': 'application/json',
    },
    body: {
      model: 'baichuan2-7b',
      messages: [
        {
          role: 'user',
          content: '<reserved_106>光的三原色是什么<reserved_107>',
        },
      ],
      max_tokens: 256,
      top_p: 0.85,
      n: 10,
      logprobs: true,
    },
  },
];
